//! The single wrapper every exported call goes through: it starts tracing on first use,
//! catches panics (`ZX_ERR_INTERNAL`, logged, never unwinding into C), turns `ZxResult`
//! into a raw status, and logs the call's name, arguments and status when the
//! `zx_shim::calls` tracing target is enabled (see `crate::trace`).
use crate::status::{Status, ZxResult};
use std::fmt::Debug;
use std::panic::{catch_unwind, AssertUnwindSafe};
use zx_sys::*;

/// Names and values of a call's arguments, formatted only when tracing asks for them.
pub type Args<'a> = &'a [(&'static str, &'a dyn Debug)];

/// Runs a status-returning call. The caller logs it (see [`logging`]): the argument list
/// is built only when the log is on, so the hot path never formats or collects it.
#[inline]
pub fn run(name: &'static str, body: impl FnOnce() -> ZxResult) -> zx_status_t {
    crate::trace::ensure_init();
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => ZX_OK,
        Ok(Err(status)) => {
            debug_assert_ne!(status, Status::OK, "{name} returned Err(ZX_OK)");
            if status == Status::OK {
                ZX_ERR_INTERNAL
            } else {
                status.into_raw()
            }
        }
        Err(panic) => {
            report_panic(name, &*panic);
            ZX_ERR_INTERNAL
        }
    }
}

/// Runs a call that returns a value rather than a status (`zx_vmar_root_self`,
/// `zx_system_get_page_size`, ...). A panic yields `on_panic`.
#[inline]
pub fn run_value<T: Debug + Copy>(name: &'static str, on_panic: T, body: impl FnOnce() -> T) -> T {
    crate::trace::ensure_init();
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(v) => v,
        Err(panic) => {
            report_panic(name, &*panic);
            on_panic
        }
    }
}

/// Whether calls are being logged (the `zx_shim::calls` target at DEBUG).
#[inline]
pub fn logging() -> bool {
    tracing::enabled!(target: "zx_shim::calls", tracing::Level::DEBUG)
}

#[cold]
pub fn log_call(name: &str, args: Args<'_>, result: &dyn Debug) {
    let mut text = String::new();
    for (i, (arg, value)) in args.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        text.push_str(&format!("{arg}={value:?}"));
    }
    tracing::debug!(target: "zx_shim::calls", "{name}({text}) -> {result:?}");
}

#[cold]
fn report_panic(name: &str, panic: &(dyn std::any::Any + Send)) {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic)".to_string());
    tracing::error!(target: "zx_shim::calls", "{name} panicked: {message}; returning ZX_ERR_INTERNAL");
}

/// `zx_call!(name(arg, ...) { body })` runs `body` (a block evaluating to `ZxResult`) through
/// [`run`], and logs the named arguments and the status when [`logging`] is on.
macro_rules! zx_call {
    ($name:ident ( $($arg:ident),* ) $body:block) => {{
        let status = $crate::ffi::entry::run(
            stringify!($name),
            || -> $crate::status::ZxResult { $body },
        );
        if $crate::ffi::entry::logging() {
            $crate::ffi::entry::log_call(
                stringify!($name),
                &[ $( (stringify!($arg), &$arg as &dyn ::std::fmt::Debug) ),* ],
                &$crate::status::Status::from_raw(status),
            );
        }
        status
    }};
}
pub(crate) use zx_call;

/// Like [`zx_call!`] for value-returning calls: `zx_value!(name(args) on_panic => { body })`.
macro_rules! zx_value {
    ($name:ident ( $($arg:ident),* ) $on_panic:expr => $body:block) => {{
        let value = $crate::ffi::entry::run_value(stringify!($name), $on_panic, || $body);
        if $crate::ffi::entry::logging() {
            $crate::ffi::entry::log_call(
                stringify!($name),
                &[ $( (stringify!($arg), &$arg as &dyn ::std::fmt::Debug) ),* ],
                &value,
            );
        }
        value
    }};
}
pub(crate) use zx_value;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_internal() {
        let x = 5u32;
        let status = zx_call!(test_call(x) {
            if x == 5 {
                panic!("boom");
            }
            Ok(())
        });
        assert_eq!(status, ZX_ERR_INTERNAL);
        let v = zx_value!(test_value(x) 7u32 => { if x == 5 { panic!("boom") } 1u32 });
        assert_eq!(v, 7);
    }

    #[test]
    fn errors_pass_through() {
        assert_eq!(
            zx_call!(test_err() { Err(Status::BAD_STATE) }),
            ZX_ERR_BAD_STATE
        );
        assert_eq!(zx_call!(test_ok() { Ok(()) }), ZX_OK);
    }
}
