//! Compressed inputs: `.gz` (gzip, every member of a multi-member stream)
//! and `.zst` (zstd, every frame), decompressed while they are read.
//!
//! The decoder streams straight into the file's buffer: nothing is written
//! to disk, and the file is then read by its inner name (`a.md.gz` as
//! Markdown, `a.jsonl.zst` as JSON Lines). Every location the reports give
//! for such a file (byte range, line and column) is one in the decompressed
//! text. A damaged or truncated stream is an error naming the file; a
//! stream that inflates beyond [`BOMB_FLOOR`] bytes *and* beyond
//! [`BOMB_RATIO`] times the compressed bytes read so far is stopped as a
//! decompression bomb.

use std::cell::Cell;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// Decompressed bytes a stream may always reach.
pub const BOMB_FLOOR: u64 = 256 << 20;
/// Beyond [`BOMB_FLOOR`], the most decompressed bytes per compressed byte.
/// Text compresses about 3–10 times (zstd on very repetitive logs up to
/// some 50); far beyond that a stream is crafted.
pub const BOMB_RATIO: u64 = 200;

/// A compression format, known by the file name's last extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Zstd,
}

impl Compression {
    /// The compression of a file named `path` (`.gz`, `.zst`, any case).
    pub fn of(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?;
        if ext.eq_ignore_ascii_case("gz") {
            Some(Compression::Gzip)
        } else if ext.eq_ignore_ascii_case("zst") {
            Some(Compression::Zstd)
        } else {
            None
        }
    }

    /// `gzip` or `zstd`, as reports spell it.
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// `path` without its compression suffix: what says how the text inside is
/// read (`a.md.gz` → `a.md`).
pub fn inner_path(path: &Path) -> PathBuf {
    match Compression::of(path) {
        Some(_) => path.with_extension(""),
        None => path.to_path_buf(),
    }
}

/// Counts the bytes read through it, where the decoder's owner can see them.
struct Counted<R> {
    inner: R,
    read: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// Decompresses all of `reader`; the error says what is wrong with the
/// stream (damaged, truncated, a bomb).
pub fn decompress(reader: impl Read, compression: Compression) -> io::Result<Vec<u8>> {
    let read = Rc::new(Cell::new(0));
    let counted = Counted { inner: reader, read: Rc::clone(&read) };
    let what = compression.name();
    let fail = |e: io::Error| {
        let why = match e.kind() {
            io::ErrorKind::UnexpectedEof => "the stream is truncated".to_string(),
            _ => e.to_string(),
        };
        io::Error::new(io::ErrorKind::InvalidData, format!("cannot decompress ({what}): {why}"))
    };
    let mut decoder: Box<dyn Read> = match compression {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(counted)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(counted).map_err(fail)?),
    };
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        let n = decoder.read(&mut chunk).map_err(fail)?;
        if n == 0 {
            return Ok(out);
        }
        out.extend_from_slice(&chunk[..n]);
        let len = out.len() as u64;
        if len > BOMB_FLOOR && len > BOMB_RATIO.saturating_mul(read.get()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "decompression stopped ({what}): {} from {} compressed bytes looks like a decompression bomb",
                    crate::report::human_bytes(len),
                    read.get()
                ),
            ));
        }
    }
}

/// Reads the file at `path`, decompressed when its name says it is
/// compressed.
pub fn read_file(path: &Path) -> io::Result<Vec<u8>> {
    match Compression::of(path) {
        Some(c) => decompress(io::BufReader::new(std::fs::File::open(path)?), c),
        None => std::fs::read(path),
    }
}

/// `bytes` decompressed when `name` says they are compressed.
pub fn decode_named(name: &str, bytes: &[u8]) -> io::Result<Vec<u8>> {
    match Compression::of(Path::new(name)) {
        Some(c) => decompress(bytes, c),
        None => Ok(bytes.to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn names() {
        assert_eq!(Compression::of(Path::new("a.md.GZ")), Some(Compression::Gzip));
        assert_eq!(Compression::of(Path::new("a.jsonl.zst")), Some(Compression::Zstd));
        assert_eq!(Compression::of(Path::new("a.txt")), None);
        assert_eq!(inner_path(Path::new("d/a.alto.xml.gz")), PathBuf::from("d/a.alto.xml"));
        assert_eq!(inner_path(Path::new("d/a.txt")), PathBuf::from("d/a.txt"));
    }

    #[test]
    fn multi_member_gzip_and_multi_frame_zstd() {
        let mut two = gzip(b"first member\n");
        two.extend(gzip(b"second member\n"));
        assert_eq!(decompress(&two[..], Compression::Gzip).unwrap(), b"first member\nsecond member\n");
        let mut frames = zstd::encode_all(&b"one "[..], 3).unwrap();
        frames.extend(zstd::encode_all(&b"two"[..], 3).unwrap());
        assert_eq!(decompress(&frames[..], Compression::Zstd).unwrap(), b"one two");
    }

    #[test]
    fn damage_is_an_error() {
        let text = "some text that compresses, some text that compresses".repeat(50);
        let gz = gzip(text.as_bytes());
        let e = decompress(&gz[..gz.len() / 2], Compression::Gzip).unwrap_err();
        assert!(e.to_string().starts_with("cannot decompress (gzip): "), "{e}");
        let zst = zstd::encode_all(text.as_bytes(), 3).unwrap();
        let e = decompress(&zst[..zst.len() - 3], Compression::Zstd).unwrap_err();
        assert!(e.to_string().starts_with("cannot decompress (zstd): "), "{e}");
        assert!(decompress(&b"not gzip at all"[..], Compression::Gzip).is_err());
        assert!(decompress(&b"not zstd at all"[..], Compression::Zstd).is_err());
    }

    #[test]
    fn a_bomb_is_stopped() {
        let zeros = vec![0u8; (BOMB_FLOOR + (1 << 20)) as usize];
        let zst = zstd::encode_all(&zeros[..], 3).unwrap();
        let e = decompress(&zst[..], Compression::Zstd).unwrap_err();
        assert!(e.to_string().contains("decompression bomb"), "{e}");
    }
}
