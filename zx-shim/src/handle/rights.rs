//! `Rights`, a typed `zx_rights_t`, with the default rights of each object type.
use std::fmt;
use std::ops::{BitAnd, BitOr, Not};
use zx_sys::*;

#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Rights(u32);

impl Rights {
    pub const NONE: Rights = Rights(ZX_RIGHT_NONE);
    pub const DUPLICATE: Rights = Rights(ZX_RIGHT_DUPLICATE);
    pub const TRANSFER: Rights = Rights(ZX_RIGHT_TRANSFER);
    pub const READ: Rights = Rights(ZX_RIGHT_READ);
    pub const WRITE: Rights = Rights(ZX_RIGHT_WRITE);
    pub const EXECUTE: Rights = Rights(ZX_RIGHT_EXECUTE);
    pub const MAP: Rights = Rights(ZX_RIGHT_MAP);
    pub const GET_PROPERTY: Rights = Rights(ZX_RIGHT_GET_PROPERTY);
    pub const SET_PROPERTY: Rights = Rights(ZX_RIGHT_SET_PROPERTY);
    pub const SIGNAL: Rights = Rights(ZX_RIGHT_SIGNAL);
    pub const SIGNAL_PEER: Rights = Rights(ZX_RIGHT_SIGNAL_PEER);
    pub const WAIT: Rights = Rights(ZX_RIGHT_WAIT);
    pub const INSPECT: Rights = Rights(ZX_RIGHT_INSPECT);
    pub const OP_CHILDREN: Rights = Rights(ZX_RIGHT_OP_CHILDREN);
    pub const RESIZE: Rights = Rights(ZX_RIGHT_RESIZE);
    pub const ATTACH_VMO: Rights = Rights(ZX_RIGHT_ATTACH_VMO);
    pub const MANAGE_VMO: Rights = Rights(ZX_RIGHT_MANAGE_VMO);
    /// Only meaningful as an argument to duplicate/replace.
    pub const SAME_RIGHTS: Rights = Rights(ZX_RIGHT_SAME_RIGHTS);

    pub const DEFAULT_VMO: Rights = Rights(ZX_DEFAULT_VMO_RIGHTS);
    pub const DEFAULT_VMAR: Rights = Rights(ZX_DEFAULT_VMAR_RIGHTS);
    pub const DEFAULT_PAGER: Rights = Rights(ZX_DEFAULT_PAGER_RIGHTS);
    pub const DEFAULT_PORT: Rights = Rights(ZX_DEFAULT_PORT_RIGHTS);
    pub const DEFAULT_IOB: Rights = Rights(ZX_DEFAULT_IOB_RIGHTS);

    pub const fn from_raw(raw: zx_rights_t) -> Rights {
        Rights(raw)
    }
    pub const fn into_raw(self) -> zx_rights_t {
        self.0
    }
    /// True when every right in `other` is also in `self`.
    pub const fn contains(self, other: Rights) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for Rights {
    type Output = Rights;
    fn bitor(self, rhs: Rights) -> Rights {
        Rights(self.0 | rhs.0)
    }
}
impl BitAnd for Rights {
    type Output = Rights;
    fn bitand(self, rhs: Rights) -> Rights {
        Rights(self.0 & rhs.0)
    }
}
impl Not for Rights {
    type Output = Rights;
    fn not(self) -> Rights {
        Rights(!self.0)
    }
}
impl fmt::Debug for Rights {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rights({:#x})", self.0)
    }
}
