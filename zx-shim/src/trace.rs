//! Call logging through `tracing`, off by default.
//!
//! Set `ZX_SHIM_LOG` to an `EnvFilter` directive to turn it on, e.g. `ZX_SHIM_LOG=debug`
//! (every call with its arguments and status), `ZX_SHIM_LOG=zx_shim::calls=debug` (calls
//! only) or `ZX_SHIM_LOG=warn` (problems only). Output goes to stderr. When the variable is
//! unset no subscriber is installed and a call pays one atomic load for the check. If the
//! host program already installed a global subscriber, that one is used.
use std::sync::Once;

pub const LOG_ENV: &str = "ZX_SHIM_LOG";

static INIT: Once = Once::new();

pub fn ensure_init() {
    INIT.call_once(|| {
        let Ok(filter) = std::env::var(LOG_ENV) else {
            return;
        };
        let filter = tracing_subscriber::EnvFilter::new(filter);
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init();
    });
}
