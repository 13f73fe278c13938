//! Line and column numbers for byte offsets, computed only for what is
//! reported: one pass over a file per batch of offsets, counting newlines with
//! `memchr` (as ripgrep does), never a line index of the whole corpus.

use serde::Serialize;

/// A 1-based line and a 1-based column counted in characters (each invalid
/// UTF-8 byte counts as one character; a byte order mark counts as none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub line: usize,
    pub col: usize,
}

/// Positions of `offsets` in `data`, in the order given. Offsets past the end
/// are clamped to the end.
pub fn positions(data: &[u8], offsets: &[usize]) -> Vec<Position> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_unstable_by_key(|&i| offsets[i]);
    let mut out = vec![Position { line: 1, col: 1 }; offsets.len()];
    let (mut pos, mut line, mut line_start) = (0usize, 1usize, 0usize);
    for i in order {
        let target = offsets[i].min(data.len());
        for nl in memchr::memchr_iter(b'\n', &data[pos..target]) {
            line += 1;
            line_start = pos + nl + 1;
        }
        pos = target;
        // A byte order mark is invisible in editors: it is not a column.
        let from = if line_start == 0 && target >= 3 && data.starts_with(b"\xEF\xBB\xBF") { 3 } else { line_start };
        out[i] = Position { line, col: 1 + char_count(&data[from..target]) };
    }
    out
}

/// Characters in `bytes`: every byte that is not a UTF-8 continuation byte.
fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

/// Start of the last character that begins before `end` (for an inclusive end
/// position of the span `[start, end)`).
pub fn last_char_start(data: &[u8], start: usize, end: usize) -> usize {
    let mut i = end.saturating_sub(1).max(start);
    while i > start && i > end.saturating_sub(4) && (data[i] as i8) < -0x40 {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_table() {
        let data = "ab\n考生c\r\n\nxyz".as_bytes();
        let cases = [(0, (1, 1)), (1, (1, 2)), (3, (2, 1)), (6, (2, 2)), (9, (2, 3)), (13, (4, 1)), (15, (4, 3))];
        let offsets: Vec<usize> = cases.iter().rev().map(|c| c.0).collect();
        let got = positions(data, &offsets);
        for (c, p) in cases.iter().rev().zip(got) {
            assert_eq!((p.line, p.col), c.1, "offset {}", c.0);
        }
    }

    #[test]
    fn bom_is_not_a_column() {
        let data = "\u{feff}ab\ncd".as_bytes();
        let got = positions(data, &[3, 4, 6]);
        assert_eq!(got.iter().map(|p| (p.line, p.col)).collect::<Vec<_>>(), vec![(1, 1), (1, 2), (2, 1)]);
    }

    #[test]
    fn last_char() {
        let data = "a考".as_bytes();
        assert_eq!(last_char_start(data, 0, 4), 1);
        assert_eq!(last_char_start(data, 0, 1), 0);
        assert_eq!(last_char_start(b"\xff\xff", 0, 2), 1);
    }
}
