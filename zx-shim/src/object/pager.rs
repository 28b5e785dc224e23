//! `Pager` (placeholder: being implemented).
use crate::handle::{new_koid, Koid};

pub struct Pager {
    koid: Koid,
}

impl Pager {
    pub fn new() -> Pager {
        Pager { koid: new_koid() }
    }
    pub fn koid(&self) -> Koid {
        self.koid
    }
}

impl Default for Pager {
    fn default() -> Self {
        Self::new()
    }
}
