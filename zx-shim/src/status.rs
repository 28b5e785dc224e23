//! `Status`, the one error type of every layer above the host, and `ZxResult`.
use std::ffi::CStr;
use std::fmt;
use zx_sys::*;

/// A Zircon status code. A newtype rather than an enum so that every `i32` round-trips.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Status(i32);

/// Result of every object-layer operation.
pub type ZxResult<T = ()> = Result<T, Status>;

macro_rules! statuses {
    ($( $name:ident = $raw:ident ),* $(,)?) => {
        impl Status {
            $( pub const $name: Status = Status($raw); )*

            /// The C name of the status (`"ZX_ERR_BAD_HANDLE"`), as `zx_status_get_string` gives it.
            pub fn name(self) -> &'static CStr {
                match self.0 {
                    $( $raw => {
                        const NAME: &str = concat!(stringify!($raw), "\0");
                        // Unwrap is evaluated on a literal that ends in its only NUL.
                        match CStr::from_bytes_with_nul(NAME.as_bytes()) { Ok(c) => c, Err(_) => c"(UNKNOWN)" }
                    } )*
                    _ => c"(UNKNOWN)",
                }
            }
        }
    };
}

statuses! {
    OK = ZX_OK,
    INTERNAL = ZX_ERR_INTERNAL,
    NOT_SUPPORTED = ZX_ERR_NOT_SUPPORTED,
    NO_RESOURCES = ZX_ERR_NO_RESOURCES,
    NO_MEMORY = ZX_ERR_NO_MEMORY,
    INTERNAL_INTR_RETRY = ZX_ERR_INTERNAL_INTR_RETRY,
    INVALID_ARGS = ZX_ERR_INVALID_ARGS,
    BAD_HANDLE = ZX_ERR_BAD_HANDLE,
    WRONG_TYPE = ZX_ERR_WRONG_TYPE,
    BAD_SYSCALL = ZX_ERR_BAD_SYSCALL,
    OUT_OF_RANGE = ZX_ERR_OUT_OF_RANGE,
    BUFFER_TOO_SMALL = ZX_ERR_BUFFER_TOO_SMALL,
    BAD_STATE = ZX_ERR_BAD_STATE,
    TIMED_OUT = ZX_ERR_TIMED_OUT,
    SHOULD_WAIT = ZX_ERR_SHOULD_WAIT,
    CANCELED = ZX_ERR_CANCELED,
    PEER_CLOSED = ZX_ERR_PEER_CLOSED,
    NOT_FOUND = ZX_ERR_NOT_FOUND,
    ALREADY_EXISTS = ZX_ERR_ALREADY_EXISTS,
    ALREADY_BOUND = ZX_ERR_ALREADY_BOUND,
    UNAVAILABLE = ZX_ERR_UNAVAILABLE,
    ACCESS_DENIED = ZX_ERR_ACCESS_DENIED,
    IO = ZX_ERR_IO,
    IO_REFUSED = ZX_ERR_IO_REFUSED,
    IO_DATA_INTEGRITY = ZX_ERR_IO_DATA_INTEGRITY,
    IO_DATA_LOSS = ZX_ERR_IO_DATA_LOSS,
    IO_NOT_PRESENT = ZX_ERR_IO_NOT_PRESENT,
    IO_OVERRUN = ZX_ERR_IO_OVERRUN,
    IO_MISSED_DEADLINE = ZX_ERR_IO_MISSED_DEADLINE,
    IO_INVALID = ZX_ERR_IO_INVALID,
    BAD_PATH = ZX_ERR_BAD_PATH,
    NOT_DIR = ZX_ERR_NOT_DIR,
    NOT_FILE = ZX_ERR_NOT_FILE,
    FILE_BIG = ZX_ERR_FILE_BIG,
    NO_SPACE = ZX_ERR_NO_SPACE,
    NOT_EMPTY = ZX_ERR_NOT_EMPTY,
    STOP = ZX_ERR_STOP,
    NEXT = ZX_ERR_NEXT,
    ASYNC = ZX_ERR_ASYNC,
    PROTOCOL_NOT_SUPPORTED = ZX_ERR_PROTOCOL_NOT_SUPPORTED,
    ADDRESS_UNREACHABLE = ZX_ERR_ADDRESS_UNREACHABLE,
    ADDRESS_IN_USE = ZX_ERR_ADDRESS_IN_USE,
    NOT_CONNECTED = ZX_ERR_NOT_CONNECTED,
    CONNECTION_REFUSED = ZX_ERR_CONNECTION_REFUSED,
    CONNECTION_RESET = ZX_ERR_CONNECTION_RESET,
    CONNECTION_ABORTED = ZX_ERR_CONNECTION_ABORTED,
    INTERNAL_INTR_KILLED = ZX_ERR_INTERNAL_INTR_KILLED,
}

impl Status {
    pub const fn from_raw(raw: zx_status_t) -> Status {
        Status(raw)
    }
    pub const fn into_raw(self) -> zx_status_t {
        self.0
    }
    /// `Ok(())` for `ZX_OK`, else `Err(self)`.
    pub fn ok(raw: zx_status_t) -> ZxResult {
        if raw == ZX_OK {
            Ok(())
        } else {
            Err(Status(raw))
        }
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name().to_str() {
            Ok("(UNKNOWN)") | Err(_) => write!(f, "Status({})", self.0),
            Ok(name) => write!(f, "{name}"),
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl std::error::Error for Status {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(Status::BAD_HANDLE.name(), c"ZX_ERR_BAD_HANDLE");
        assert_eq!(Status::OK.name(), c"ZX_OK");
        assert_eq!(Status::from_raw(-9999).name(), c"(UNKNOWN)");
        assert_eq!(format!("{:?}", Status::from_raw(-9999)), "Status(-9999)");
        assert_eq!(format!("{:?}", Status::NO_MEMORY), "ZX_ERR_NO_MEMORY");
    }
}
