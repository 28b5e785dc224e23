//! A seeded generator for randomised tests, so that a failure names a seed that
//! reproduces it.

/// xorshift64*: deterministic per seed.
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed` (not 0: xorshift stays at 0).
    pub fn new(seed: u64) -> Rng {
        assert_ne!(seed, 0, "xorshift needs a non-zero seed");
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}
