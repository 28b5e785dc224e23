//! IOBuffer endpoints (placeholder: being implemented).
use crate::handle::{new_koid, Koid};

pub struct IobEndpoint {
    koid: Koid,
}

impl IobEndpoint {
    pub fn new() -> IobEndpoint {
        IobEndpoint { koid: new_koid() }
    }
    pub fn koid(&self) -> Koid {
        self.koid
    }
    pub fn peer_koid(&self) -> Koid {
        0
    }
}

impl Default for IobEndpoint {
    fn default() -> Self {
        Self::new()
    }
}
