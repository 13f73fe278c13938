//! Character n-gram shingles of normalized text, hashed with xxh3.
//!
//! A shingle is `n` consecutive characters of the normalized text; its hash is
//! xxh3-64 of their UTF-8 bytes, seeded, so different seeds give independent
//! hash families. A text shorter than `n` characters has one shingle: itself.
//! The set of shingle hashes (sorted, without repeats) is what similarity is
//! measured on: Jaccard of two such sets is the verified similarity.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Reusable buffers for shingling; one per worker thread, so no allocation
/// happens per paragraph once they have grown.
#[derive(Default)]
pub struct Shingler {
    bounds: Vec<u32>,
}

impl Shingler {
    /// Appends the hash of every character `n`-gram of `text` to `out`
    /// (in text order, repeats included).
    pub fn hashes(&mut self, text: &str, n: usize, seed: u64, out: &mut Vec<u64>) {
        assert!(n > 0, "n-gram length must be positive");
        let bytes = text.as_bytes();
        if bytes.is_empty() {
            return;
        }
        self.bounds.clear();
        self.bounds.extend(text.char_indices().map(|(i, _)| i as u32));
        self.bounds.push(bytes.len() as u32);
        let chars = self.bounds.len() - 1;
        if chars <= n {
            out.push(xxh3_64_with_seed(bytes, seed));
            return;
        }
        out.extend(self.bounds.windows(n + 1).map(|w| xxh3_64_with_seed(&bytes[w[0] as usize..w[n] as usize], seed)));
    }

    /// The shingle set of `text`: hashes sorted ascending, without repeats.
    pub fn set(&mut self, text: &str, n: usize, seed: u64) -> Vec<u64> {
        let mut out = Vec::new();
        self.hashes(text, n, seed, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts() {
        let mut s = Shingler::default();
        let cases: &[(&str, usize, usize)] = &[
            ("", 5, 0),
            ("abc", 5, 1),
            ("abcde", 5, 1),
            ("abcdef", 5, 2),
            ("考生须凭本人准考证", 5, 5),
            ("aaaaaaa", 5, 3),
        ];
        for &(text, n, want) in cases {
            let mut out = Vec::new();
            s.hashes(text, n, 0, &mut out);
            assert_eq!(out.len(), want, "{text:?}");
        }
        assert_eq!(s.set("aaaaaaa", 5, 0).len(), 1);
    }

    #[test]
    fn same_gram_same_hash_across_texts() {
        let mut s = Shingler::default();
        let a = s.set("xxabcde", 5, 7);
        let b = s.set("abcdeyy", 5, 7);
        assert!(a.iter().any(|h| b.contains(h)));
        let c = s.set("abcdeyy", 5, 8);
        assert!(!b.iter().any(|h| c.contains(h)));
    }
}
