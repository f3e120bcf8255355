//! How a file is cut into parts: one ranged GET and one multipart `UploadPart` each.

/// S3 allows at most this many parts in one multipart upload.
pub const MAX_PARTS: u64 = 10_000;
const MIB: u64 = 1024 * 1024;

/// An inclusive byte range, as HTTP `Range` writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub first: u64,
    pub last: u64,
}

impl ByteRange {
    /// Number of bytes in the range.
    pub fn len(&self) -> u64 {
        self.last - self.first + 1
    }

    /// Never true: a range holds at least one byte.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The `Range` header value, `bytes=first-last`.
    pub fn header_value(&self) -> String {
        format!("bytes={}-{}", self.first, self.last)
    }
}

/// The parts of a file of known size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartPlan {
    size: u64,
    part_size: u64,
}

impl PartPlan {
    /// Parts of `min_part_size` bytes, grown (in whole MiB) when the file would otherwise need
    /// more than [`MAX_PARTS`] of them.
    pub fn new(size: u64, min_part_size: u64) -> Self {
        let needed = size.div_ceil(MAX_PARTS).div_ceil(MIB) * MIB;
        Self {
            size,
            part_size: min_part_size.max(needed).max(1),
        }
    }

    /// The file's size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Bytes per part (the last may be shorter).
    pub fn part_size(&self) -> u64 {
        self.part_size
    }

    /// True when the whole file fits in one part: one `PutObject`, no multipart upload.
    pub fn is_single_put(&self) -> bool {
        self.size <= self.part_size
    }

    /// Number of parts (0 for an empty file).
    pub fn part_count(&self) -> u64 {
        self.size.div_ceil(self.part_size)
    }

    /// The bytes of part `number` (1-based, as S3 numbers parts), or `None` past the end.
    pub fn range(&self, number: u64) -> Option<ByteRange> {
        if number == 0 || number > self.part_count() {
            return None;
        }
        let first = (number - 1) * self.part_size;
        let last = (first + self.part_size).min(self.size) - 1;
        Some(ByteRange { first, last })
    }

    /// The part that starts at `offset`, if a part does.
    pub fn part_starting_at(&self, offset: u64) -> Option<u64> {
        (offset % self.part_size == 0 && offset < self.size).then(|| offset / self.part_size + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIB: u64 = 1024 * MIB;

    #[test]
    fn small_files_are_one_put_and_large_ones_grow_their_parts() {
        let small = PartPlan::new(3 * MIB, 8 * MIB);
        assert!(small.is_single_put());
        assert_eq!(small.part_count(), 1);

        let twenty_gb = PartPlan::new(20 * GIB, 8 * MIB);
        assert_eq!(
            (twenty_gb.part_size(), twenty_gb.part_count()),
            (8 * MIB, 2560)
        );

        let hundred_gb = PartPlan::new(100 * GIB, 8 * MIB);
        assert_eq!(hundred_gb.part_size(), 11 * MIB);
        assert!(hundred_gb.part_count() <= MAX_PARTS);

        let five_tib = PartPlan::new(5 * 1024 * GIB, 8 * MIB);
        assert!(five_tib.part_count() <= MAX_PARTS && five_tib.part_size() <= 5 * GIB);
    }

    #[test]
    fn an_empty_file_has_no_parts() {
        let empty = PartPlan::new(0, 8 * MIB);
        assert!(empty.is_single_put());
        assert_eq!((empty.part_count(), empty.range(1)), (0, None));
    }

    #[test]
    fn parts_tile_the_file_exactly_for_many_sizes() {
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        for _ in 0..2000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let size = state % (200 * GIB);
            let plan = PartPlan::new(size, 8 * MIB);
            assert!(plan.part_count() <= MAX_PARTS, "{size}");
            let count = plan.part_count();
            if count > 0 {
                let first = plan.range(1).expect("first part");
                let last = plan.range(count).expect("last part");
                assert_eq!((first.first, last.last), (0, size - 1), "{size}");
                assert!(last.len() <= plan.part_size());
                // Neighbouring parts touch: each starts where the one before ended.
                let middle = 1 + state % count;
                if middle < count {
                    let (a, b) = (
                        plan.range(middle).expect("a"),
                        plan.range(middle + 1).expect("b"),
                    );
                    assert_eq!(a.last + 1, b.first);
                    assert_eq!(a.len(), plan.part_size());
                    assert_eq!(plan.part_starting_at(b.first), Some(middle + 1));
                }
            }
            assert_eq!(plan.range(plan.part_count() + 1), None);
        }
        let plan = PartPlan::new(20 * MIB + 5, 8 * MIB);
        let ranges: Vec<_> = (1..=plan.part_count())
            .filter_map(|n| plan.range(n))
            .collect();
        assert_eq!(
            ranges,
            [
                ByteRange {
                    first: 0,
                    last: 8 * MIB - 1
                },
                ByteRange {
                    first: 8 * MIB,
                    last: 16 * MIB - 1
                },
                ByteRange {
                    first: 16 * MIB,
                    last: 20 * MIB + 4
                },
            ]
        );
        assert_eq!(
            ranges[2].header_value(),
            format!("bytes={}-{}", 16 * MIB, 20 * MIB + 4)
        );
    }
}
