//! Sharding: a fixed, disjoint slice of a batch per machine.

use std::path::Path;

use sha2::{Digest, Sha256};

/// Whether `submission` (its path as given, and its content digest) falls in shard `k` of `n`
/// (1-based): a hash of both, so the slice is the same whatever the order of the list.
pub fn in_shard(path: &Path, digest: &str, (k, n): (u32, u32)) -> bool {
    let mut hasher = Sha256::new();
    hasher.update(path.to_string_lossy().as_bytes());
    hasher.update(b"\0");
    hasher.update(digest.as_bytes());
    let hash = hasher.finalize();
    let value = u64::from_be_bytes(hash[..8].try_into().unwrap_or_default());
    value % u64::from(n) == u64::from(k - 1)
}
