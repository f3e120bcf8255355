//! Recording file bytes, generated from the file id and the offset: a 10 GiB file costs no disk
//! and no memory, any range can be produced on its own, and a test can compute the SHA-256 of
//! what the simulator serves without downloading it.

use sha2::{Digest, Sha256};

/// The seed of one file's byte stream. `salt` makes every benchmark run's bytes new (some S3
/// servers deduplicate identical blocks).
pub fn file_seed(file_id: &str, salt: u64) -> u64 {
    let digest = Sha256::new()
        .chain_update(salt.to_le_bytes())
        .chain_update(file_id.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// SplitMix64: a fast, well-mixed 64-bit hash of one word.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The 8 bytes of the file's `block`-th 8-byte word.
fn word(seed: u64, block: u64) -> [u8; 8] {
    splitmix64(seed ^ block.wrapping_mul(0xD1B5_4A32_D192_ED03)).to_le_bytes()
}

/// Fills `buf` with the file's bytes starting at `offset`.
pub fn fill(seed: u64, offset: u64, buf: &mut [u8]) {
    let mut position = offset;
    let mut rest = buf;
    // Unaligned head.
    let skip = (position % 8) as usize;
    if skip != 0 {
        let bytes = word(seed, position / 8);
        let take = (8 - skip).min(rest.len());
        rest[..take].copy_from_slice(&bytes[skip..skip + take]);
        rest = &mut rest[take..];
        position += take as u64;
    }
    // Aligned words.
    let mut chunks = rest.chunks_exact_mut(8);
    for chunk in &mut chunks {
        chunk.copy_from_slice(&word(seed, position / 8));
        position += 8;
    }
    // Tail.
    let tail = chunks.into_remainder();
    if !tail.is_empty() {
        let bytes = word(seed, position / 8);
        let len = tail.len();
        tail.copy_from_slice(&bytes[..len]);
    }
}

/// Lower-case hex SHA-256 of a whole generated file.
pub fn sha256_hex(seed: u64, size: u64) -> String {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut offset = 0;
    while offset < size {
        let len = (size - offset).min(buf.len() as u64) as usize;
        fill(seed, offset, &mut buf[..len]);
        hasher.update(&buf[..len]);
        offset += len as u64;
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_range_equals_the_same_slice_of_the_whole() {
        let seed = file_seed("file-1", 0);
        let mut whole = vec![0u8; 1000];
        fill(seed, 0, &mut whole);
        for (start, len) in [
            (0, 1),
            (1, 7),
            (3, 20),
            (8, 8),
            (13, 500),
            (999, 1),
            (500, 0),
        ] {
            let mut part = vec![0u8; len];
            fill(seed, start as u64, &mut part);
            assert_eq!(part, whole[start..start + len], "range {start}+{len}");
        }
    }

    #[test]
    fn files_and_salts_differ() {
        let mut a = [0u8; 64];
        let mut b = [0u8; 64];
        fill(file_seed("file-1", 0), 0, &mut a);
        fill(file_seed("file-2", 0), 0, &mut b);
        assert_ne!(a, b);
        fill(file_seed("file-1", 1), 0, &mut b);
        assert_ne!(a, b);
    }

    #[test]
    fn sha256_matches_hashing_the_filled_bytes() {
        let seed = file_seed("f", 0);
        let size = (1 << 20) + 12_345;
        let mut bytes = vec![0u8; size];
        fill(seed, 0, &mut bytes);
        assert_eq!(
            sha256_hex(seed, size as u64),
            hex::encode(Sha256::digest(&bytes))
        );
    }
}
