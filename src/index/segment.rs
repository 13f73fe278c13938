//! One immutable segment file: the files and items of one `add` (or of a
//! compaction), in sorted arrays that are searched where they lie on disk.
//!
//! Layout, all integers little-endian, every record of fixed size so that
//! record `i` is found by arithmetic and no table is built at open:
//!
//! ```text
//! header  128 B   magic "DBLTSEG1", version, bands, sketch slots, anchor item bits, files,
//!                 items, path bytes, checksum block size, anchor window, anchor entries,
//!                 places, place id bytes (formats 1 to 3: 64 B, without the last two)
//! files    32 B   per file: path offset u64, path length u32, paragraphs u32, size u64, digest u64
//! items    56 B   per item: file, first and last paragraph, page, byte start and end,
//!                 line and column of start and end, content hash
//! exact    20 B   per item, sorted: exact key u128, item u32
//! bands     8 B   per band, per item, sorted: band key u32, item u32
//! sketches  k B   per item: its slots' low 8 bits
//! anchors   8 B   per distinct passage anchor of an item of one paragraph, sorted: the
//!                 anchor's hash with its low bits replaced by the item's number, or by all
//!                 ones (a *common* anchor, which more than `MAX_ANCHOR_PARAGRAPHS`
//!                 paragraphs hold: one entry for all)
//! counts    4 B   per item, when the anchor table has entries (format 5): how many entries
//!                 of the anchor table name the item (its *rare* anchors) and how many
//!                 distinct anchors it has, each u16, saturated (0 anchors: not known)
//! places   64 B   per item inside a compressed file or a record, by item: item u32,
//!                 compression u8, what is known u8, row, byte and character range in the
//!                 record's text, id offset u64, id length u32
//! ids             the records' ids, end to end
//! paths           the files' paths, end to end
//! blocks    8 B   per block of all the above (its size in the header; 256 B as written
//!                 now, 1 KiB before): its xxh3-64
//! footer   16 B   xxh3-64 of the header and the block table, magic "DBLTEND1"
//! ```
//!
//! Keys are hashes, so they are spread evenly: a lookup interpolates its way
//! to the key in a few probes (and falls back to halving when it does not
//! converge), touching a handful of pages of a table of millions.
//!
//! Opening a segment checks its length, the header and the block table
//! against the checksum the manifest recorded, and the first block; every
//! other block is checked the first time something is read from it. So an
//! index of millions of items opens in milliseconds, a lookup pays for the
//! few blocks it touches, and no byte is used unchecked: a block that does
//! not match its checksum marks the segment damaged ([`Segment::damage`]),
//! reads from it give zeros, and the caller turns the damage into an error
//! naming the file before it reports anything. [`Segment::verify`] checks
//! every block (compaction, `doublet index verify`). Segments of format 1
//! (one checksum of the whole file) are still read, checked whole at open;
//! those of formats 1 and 2 hold no anchors, those of formats 1 to 3 no
//! places inside records, and those of formats 1 to 4 no anchor counts.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::Path;

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::OnceLock;

use memmap2::Mmap;
use rayon::prelude::*;
use xxhash_rust::xxh3::Xxh3;

use crate::input::Inside;
use crate::prefetch::{touch, touch_range};
use crate::scan::{FileRecord, ItemRecord};

const MAGIC: &[u8; 8] = b"DBLTSEG1";
const END: &[u8; 8] = b"DBLTEND1";
/// The format written; 1 and 2 (without anchors), 3 (without places inside
/// records) and 4 (without anchor counts) are still read.
const VERSION: u32 = 5;
/// Bytes per checksummed block: a lookup's probes touch a few of them.
/// A lookup's probe reads a few bytes and a batch's walk of a table touches
/// it in scattered places, so a block is four cache lines: the first check
/// after opening a large index hashes mostly the blocks its probes land in
/// (with 1 KiB blocks, as doublet wrote before and still reads, that
/// hashing was most of the check), for 8 bytes of table per 256 (3.1 % of
/// a segment).
const BLOCK: usize = 1 << 8;
const HEADER: usize = 128;
/// The header of formats 1 to 3.
const HEADER_3: usize = 64;
const FOOTER: usize = 16;
const FILE_BYTES: usize = 32;
const ITEM_BYTES: usize = 56;
const EXACT_BYTES: usize = 20;
const BAND_BYTES: usize = 8;
const ANCHOR_BYTES: usize = 8;
const PLACE_BYTES: usize = 64;
const COUNT_BYTES: usize = 4;
/// Paragraphs that may hold an anchor before it is common, as in a scan: a
/// stock phrase, held by more, would make every batch that uses it read
/// all their files again.
pub const MAX_ANCHOR_PARAGRAPHS: u32 = crate::passages::MAX_POSTING as u32;

/// Who holds an anchor, as a segment's anchor table says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Holder {
    /// An item of the segment.
    Item(u32),
    /// More than [`MAX_ANCHOR_PARAGRAPHS`] paragraphs of the segment.
    Common,
}

/// Bits of a segment's anchor entry that name the item: enough for every
/// item and the all-ones mark of a common anchor.
fn anchor_item_bits(items: usize) -> u32 {
    (u64::BITS - (items as u64).leading_zeros()).max(1)
}

/// A file as a segment keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    pub path: String,
    pub bytes: u64,
    pub digest: u64,
    pub paragraphs: u32,
}

/// Collects files and items, then writes them as one segment.
pub struct Builder<'a> {
    bands: usize,
    slots: usize,
    files: Vec<FileEntry>,
    /// Item and the file (index into `files`) it belongs to.
    items: Vec<(u32, ItemRecord)>,
    band_keys: Vec<u32>,
    sketches: Vec<u8>,
    /// Distinct anchors of the items added as records, item after item
    /// (`anchor_ends`: item, index into `items`, and where its anchors end).
    anchors: Vec<u64>,
    anchor_ends: Vec<(u32, usize)>,
    /// Segments added whole, with the number their first item gets: their
    /// anchor tables are merged into the new one as it is written.
    merged: Vec<(&'a Segment, u32)>,
    /// Merged segments that hold no anchors: the new segment then holds
    /// none either (a check must not take their files' silence for absence).
    anchorless: usize,
    /// No anchors at all: [`Builder::without_anchors`].
    no_anchors: bool,
}

impl<'a> Builder<'a> {
    pub fn new(bands: usize, slots: usize) -> Self {
        Builder {
            bands,
            slots,
            files: Vec::new(),
            items: Vec::new(),
            band_keys: Vec::new(),
            sketches: Vec::new(),
            anchors: Vec::new(),
            anchor_ends: Vec::new(),
            merged: Vec::new(),
            anchorless: 0,
            no_anchors: false,
        }
    }

    pub fn items(&self) -> usize {
        self.items.len()
    }

    pub fn files(&self) -> usize {
        self.files.len()
    }

    /// Leaves out every passage anchor (`index add --no-passages`).
    pub fn without_anchors(&mut self) {
        self.no_anchors = true;
    }

    /// Segments merged in that hold no passage anchors; when there are any,
    /// the segment written holds none.
    pub fn anchorless(&self) -> usize {
        self.anchorless
    }

    /// Adds one file made by [`crate::scan::records`].
    pub fn push_record(&mut self, r: FileRecord) {
        let file = self.files.len() as u32;
        for i in (0..r.items.len()).filter(|_| !self.no_anchors) {
            let anchors = r.item_anchors(i);
            if !anchors.is_empty() {
                self.anchors.extend_from_slice(anchors);
                self.anchor_ends.push(((self.items.len() + i) as u32, self.anchors.len()));
            }
        }
        self.files.push(FileEntry { path: r.name, bytes: r.bytes, digest: r.digest, paragraphs: r.paragraphs });
        self.items.extend(r.items.into_iter().map(|it| (file, it)));
        self.band_keys.extend_from_slice(&r.band_keys);
        self.sketches.extend_from_slice(&r.sketches);
    }

    /// Adds everything of another segment (for compaction).
    pub fn push_segment(&mut self, s: &'a Segment) {
        // Read from end to end, the anchor table too.
        #[cfg(unix)]
        let _ = s.map.advise_range(memmap2::Advice::Sequential, s.anchors_at, s.anchor_entries * ANCHOR_BYTES);
        let base = self.files.len() as u32;
        self.merged.push((s, self.items.len() as u32));
        self.anchorless += usize::from(!s.has_anchors());
        self.files.extend((0..s.files()).map(|f| s.file(f)));
        let first_item = self.items.len();
        self.items.extend((0..s.items()).map(|i| (base + s.item_file(i), s.item(i))));
        self.band_keys.resize(self.band_keys.len() + s.items() * self.bands, 0);
        for b in 0..self.bands {
            for e in 0..s.items() {
                let (key, item) = s.band_entry(b, e);
                self.band_keys[(first_item + item as usize) * self.bands + b] = key;
            }
        }
        for e in 0..s.items() {
            let (key, item) = s.exact_entry(e);
            self.items[first_item + item as usize].1.key = key;
        }
        for i in 0..s.items() {
            self.sketches.extend_from_slice(s.sketch(i));
        }
    }

    /// Writes the segment to `path` (which must not be visible to readers
    /// yet), syncs it, and returns its size and checksum. `halfway` runs once
    /// the first tables are on disk (the crash hook's point). The records'
    /// anchors become the table's entries where they lie (an add holds them
    /// once): a builder writes one segment.
    pub fn write(&mut self, path: &Path, halfway: impl FnOnce()) -> io::Result<(u64, u64)> {
        let item_bits = anchor_item_bits(self.items.len());
        let own = self.own_anchors(item_bits);
        let mut out = Hashing::new(File::create(path)?);
        let paths_len: usize = self.files.iter().map(|f| f.path.len()).sum();
        let places: Vec<(u32, &Inside)> =
            self.items.iter().enumerate().filter_map(|(i, (_, it))| Some((i as u32, it.inside.as_deref()?))).collect();
        let ids_len: usize = places.iter().filter_map(|(_, p)| p.record.as_ref()).map(String::len).sum();
        let mut header = [0u8; HEADER];
        header[..8].copy_from_slice(MAGIC);
        header[8..12].copy_from_slice(&VERSION.to_le_bytes());
        header[12..16].copy_from_slice(&(self.bands as u32).to_le_bytes());
        header[16..20].copy_from_slice(&(self.slots as u32).to_le_bytes());
        header[20..24].copy_from_slice(&item_bits.to_le_bytes());
        header[24..32].copy_from_slice(&(self.files.len() as u64).to_le_bytes());
        header[32..40].copy_from_slice(&(self.items.len() as u64).to_le_bytes());
        header[40..48].copy_from_slice(&(paths_len as u64).to_le_bytes());
        header[48..52].copy_from_slice(&(BLOCK as u32).to_le_bytes());
        let window = if self.anchors_left_out() { 0 } else { crate::passages::WINDOW as u32 };
        header[52..56].copy_from_slice(&window.to_le_bytes());
        // The anchor table is merged as it is written, once: its entries
        // are counted on the way and put in the header at the end.
        header[64..72].copy_from_slice(&(places.len() as u64).to_le_bytes());
        header[72..80].copy_from_slice(&(ids_len as u64).to_le_bytes());
        out.put(&header)?;
        let mut at = 0u64;
        for f in &self.files {
            let mut r = [0u8; FILE_BYTES];
            r[..8].copy_from_slice(&at.to_le_bytes());
            r[8..12].copy_from_slice(&(f.path.len() as u32).to_le_bytes());
            r[12..16].copy_from_slice(&f.paragraphs.to_le_bytes());
            r[16..24].copy_from_slice(&f.bytes.to_le_bytes());
            r[24..32].copy_from_slice(&f.digest.to_le_bytes());
            out.put(&r)?;
            at += f.path.len() as u64;
        }
        for (file, it) in &self.items {
            let mut r = [0u8; ITEM_BYTES];
            let words = [*file, it.para_first, it.para_last, it.page];
            for (i, w) in words.iter().enumerate() {
                r[4 * i..4 * i + 4].copy_from_slice(&w.to_le_bytes());
            }
            r[16..24].copy_from_slice(&it.byte_start.to_le_bytes());
            r[24..32].copy_from_slice(&it.byte_end.to_le_bytes());
            let words = [it.line_start, it.col_start, it.line_end, it.col_end];
            for (i, w) in words.iter().enumerate() {
                r[32 + 4 * i..36 + 4 * i].copy_from_slice(&w.to_le_bytes());
            }
            r[48..56].copy_from_slice(&it.content.to_le_bytes());
            out.put(&r)?;
        }
        out.write_blocks()?;
        halfway();
        let mut exact: Vec<(u128, u32)> =
            self.items.iter().enumerate().map(|(i, (_, it))| (it.key, i as u32)).collect();
        exact.par_sort_unstable();
        for (key, item) in exact {
            out.put(&key.to_le_bytes())?;
            out.put(&item.to_le_bytes())?;
        }
        for b in 0..self.bands {
            let mut band: Vec<(u32, u32)> =
                (0..self.items.len()).map(|i| (self.band_keys[i * self.bands + b], i as u32)).collect();
            band.par_sort_unstable();
            for (key, item) in band {
                out.put(&key.to_le_bytes())?;
                out.put(&item.to_le_bytes())?;
            }
        }
        out.put(&self.sketches)?;
        // The entries, and per item the rare anchors it lost to a common
        // entry here (few: counting every entry's item instead reads a
        // per-item array in hash order, a cache miss per entry).
        let mut anchor_entries = 0u64;
        let mut lost = vec![0u16; if self.anchors_left_out() { 0 } else { self.items.len() }];
        self.anchor_table(
            item_bits,
            &own,
            |key| {
                anchor_entries += 1;
                out.put(&key.to_le_bytes())
            },
            |item| lost[item as usize] = lost[item as usize].saturating_add(1),
        )?;
        drop(own);
        if anchor_entries > 0 {
            for ((held, distinct), lost) in self.prior_counts().into_iter().zip(lost) {
                out.put(&held.saturating_sub(lost).to_le_bytes())?;
                out.put(&distinct.to_le_bytes())?;
            }
        }
        let mut id_at = 0u64;
        for &(item, place) in &places {
            out.put(&place_entry(item, place, id_at))?;
            id_at += place.record.as_ref().map_or(0, |id| id.len() as u64);
        }
        for id in places.iter().filter_map(|(_, p)| p.record.as_ref()) {
            out.put(id.as_bytes())?;
        }
        for f in &self.files {
            out.put(f.path.as_bytes())?;
        }
        let mut sums = out.finish()?;
        // The header, now with the anchor table's length, over the one
        // written first, and the first block's checksum made again.
        header[56..64].copy_from_slice(&anchor_entries.to_le_bytes());
        out.first[..HEADER].copy_from_slice(&header);
        sums[0] = xxhash_rust::xxh3::xxh3_64(&out.first);
        out.out.seek(SeekFrom::Start(0))?;
        out.out.write_all(&header)?;
        out.out.seek(SeekFrom::End(0))?;
        let table: Vec<u8> = sums.iter().flat_map(|s| s.to_le_bytes()).collect();
        let checksum = footer_checksum(&header, &table);
        let len = out.len + (table.len() + FOOTER) as u64;
        let mut file = out.out;
        let mut tail = table;
        tail.extend_from_slice(&checksum.to_le_bytes());
        tail.extend_from_slice(END);
        file.write_all(&tail)?;
        file.sync_all()?;
        Ok((len, checksum))
    }
}

impl Builder<'_> {
    /// Whether the segment written holds no anchors.
    fn anchors_left_out(&self) -> bool {
        self.no_anchors || self.anchorless > 0
    }

    /// Per item, its rare and its distinct anchors before this table
    /// (saturated): a record's are all rare, a merged segment's item has the
    /// counts that segment gave it, (0, 0) when it gave none.
    fn prior_counts(&self) -> Vec<(u16, u16)> {
        let mut counts = vec![(0u16, 0u16); self.items.len()];
        let mut start = 0;
        for &(item, end) in &self.anchor_ends {
            let n = (end - start).min(u16::MAX as usize) as u16;
            counts[item as usize] = (n, n);
            start = end;
        }
        let saturated = |n: u32| n.min(u32::from(u16::MAX)) as u16;
        for &(s, base) in &self.merged {
            for i in 0..s.items() {
                counts[base as usize + i] = s.anchor_counts(i).map_or((0, 0), |(h, d)| (saturated(h), saturated(d)));
            }
        }
        counts
    }

    /// The records' anchors as entries of the anchor table (hash over
    /// item), sorted: made of the records' lists in place, which are gone
    /// after (their lengths stay in `anchor_ends`).
    fn own_anchors(&mut self, item_bits: u32) -> Vec<u64> {
        let mut own = std::mem::take(&mut self.anchors);
        if self.anchors_left_out() {
            return Vec::new();
        }
        let mask = (1u64 << item_bits) - 1;
        let mut start = 0;
        for &(item, end) in &self.anchor_ends {
            own[start..end].iter_mut().for_each(|h| *h = (*h & !mask) | u64::from(item));
            start = end;
        }
        own.par_sort_unstable();
        own
    }

    /// The entries of the anchor table, in order, to `emit`: the anchors of
    /// the records and of the merged segments, by hash (its low `item_bits`
    /// dropped), each hash's items ascending, or one common entry when more
    /// than [`MAX_ANCHOR_PARAGRAPHS`] hold it (or a merged segment says so).
    /// `lost(item)` for each item holder of an anchor written as common.
    fn anchor_table(
        &self,
        item_bits: u32,
        own: &[u64],
        mut emit: impl FnMut(u64) -> io::Result<()>,
        mut lost: impl FnMut(u32),
    ) -> io::Result<()> {
        if self.anchors_left_out() {
            return Ok(());
        }
        let mask = (1u64 << item_bits) - 1;
        let mut holders: Vec<Holder> = Vec::new();
        if self.merged.is_empty() {
            // An add: the records' entries alone, sorted already.
            for run in own.chunk_by(|a, b| a & !mask == b & !mask) {
                holders.clear();
                holders.extend(run.iter().map(|&k| Holder::Item((k & mask) as u32)));
                emit_group(run[0] & !mask, mask, &mut holders, &mut emit, &mut lost)?;
            }
            return Ok(());
        }
        // Every source sorted by hash: the records' anchors and each merged
        // segment's table (its entries' hashes, with fewer or as many bits
        // dropped, sort the same under `mask`).
        let mut sources: Vec<Box<dyn Iterator<Item = (u64, Holder)> + '_>> =
            vec![Box::new(own.iter().map(move |&k| (k & !mask, Holder::Item((k & mask) as u32))))];
        for &(s, base) in &self.merged {
            sources.push(Box::new((0..s.anchor_entries).map(move |e| {
                let (h, holder) = s.anchor_entry(e);
                let holder = match holder {
                    Holder::Item(i) => Holder::Item(base + i),
                    Holder::Common => Holder::Common,
                };
                (h & !mask, holder)
            })));
        }
        let mut heads: Vec<Option<(u64, Holder)>> = sources.iter_mut().map(|s| s.next()).collect();
        while let Some(hash) = heads.iter().flatten().map(|&(h, _)| h).min() {
            holders.clear();
            for (head, source) in heads.iter_mut().zip(sources.iter_mut()) {
                while let Some((h, holder)) = *head {
                    if h != hash {
                        break;
                    }
                    holders.push(holder);
                    *head = source.next();
                }
            }
            emit_group(hash, mask, &mut holders, &mut emit, &mut lost)?;
        }
        Ok(())
    }
}

/// Emits the anchor table's entries for one hash (its low bits, `mask`,
/// zero) held by `holders`: one per item, ascending, or one common entry
/// when more than [`MAX_ANCHOR_PARAGRAPHS`] items hold it or a merged
/// segment says it is common; `lost(item)` for each item of a common one.
fn emit_group(
    hash: u64,
    mask: u64,
    holders: &mut Vec<Holder>,
    emit: &mut impl FnMut(u64) -> io::Result<()>,
    lost: &mut impl FnMut(u32),
) -> io::Result<()> {
    // One item may come twice: two of its hashes alike in the bits kept.
    holders.sort_unstable();
    holders.dedup();
    if holders.len() > MAX_ANCHOR_PARAGRAPHS as usize || holders.contains(&Holder::Common) {
        for &holder in holders.iter() {
            if let Holder::Item(i) = holder {
                lost(i);
            }
        }
        return emit(hash | mask);
    }
    for &holder in holders.iter() {
        if let Holder::Item(i) = holder {
            emit(hash | u64::from(i))?;
        }
    }
    Ok(())
}

/// What is known of a place, bit by bit.
const PLACE_ROW: u8 = 1;
const PLACE_RECORD: u8 = 2;
const PLACE_FIELD: u8 = 4;

/// The entry of item `item`'s place; its id (if any) is at `id_at` of the
/// ids.
fn place_entry(item: u32, p: &Inside, id_at: u64) -> [u8; PLACE_BYTES] {
    let mut r = [0u8; PLACE_BYTES];
    r[..4].copy_from_slice(&item.to_le_bytes());
    r[4] = match p.compression {
        Some("gzip") => 1,
        Some("zstd") => 2,
        _ => 0,
    };
    let field = p.field_start.is_some() && p.field_end.is_some();
    r[5] = if p.row.is_some() { PLACE_ROW } else { 0 }
        | if p.record.is_some() { PLACE_RECORD } else { 0 }
        | if field { PLACE_FIELD } else { 0 };
    let words = [
        p.row.unwrap_or(0),
        p.field_start.unwrap_or(0) as u64,
        p.field_end.unwrap_or(0) as u64,
        p.field_char_start.unwrap_or(0) as u64,
        p.field_char_end.unwrap_or(0) as u64,
        id_at,
    ];
    for (k, w) in words.iter().enumerate() {
        r[8 + 8 * k..16 + 8 * k].copy_from_slice(&w.to_le_bytes());
    }
    let id_len = p.record.as_ref().map_or(0, |id| id.len() as u32);
    r[56..60].copy_from_slice(&id_len.to_le_bytes());
    r
}

/// The segment being written: bytes gather in a buffer, and every whole
/// block of it is hashed at once and written (a table's entries are put a
/// few bytes at a time).
struct Hashing {
    out: File,
    pending: Vec<u8>,
    sums: Vec<u64>,
    len: u64,
    /// The first block's bytes, made again once the header is complete.
    first: Vec<u8>,
}

/// Bytes gathered before whole blocks are hashed and written.
const PENDING: usize = 1 << 20;

impl Hashing {
    fn new(out: File) -> Self {
        Hashing { out, pending: Vec::with_capacity(PENDING + BLOCK), sums: Vec::new(), len: 0, first: Vec::new() }
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.first.len() < BLOCK {
            let take = (BLOCK - self.first.len()).min(bytes.len());
            self.first.extend_from_slice(&bytes[..take]);
        }
        self.pending.extend_from_slice(bytes);
        self.len += bytes.len() as u64;
        if self.pending.len() >= PENDING {
            self.write_blocks()?;
        }
        Ok(())
    }

    /// Hashes and writes the whole blocks gathered; the rest of a block
    /// waits for more.
    fn write_blocks(&mut self) -> io::Result<()> {
        let whole = self.pending.len() / BLOCK * BLOCK;
        self.sums.extend(self.pending[..whole].chunks(BLOCK).map(xxhash_rust::xxh3::xxh3_64));
        self.out.write_all(&self.pending[..whole])?;
        self.pending.drain(..whole);
        Ok(())
    }

    /// Writes what is left and returns the checksums of all blocks, the
    /// last one short.
    fn finish(&mut self) -> io::Result<Vec<u64>> {
        self.write_blocks()?;
        if !self.pending.is_empty() {
            self.sums.push(xxhash_rust::xxh3::xxh3_64(&self.pending));
            self.out.write_all(&self.pending)?;
            self.pending.clear();
        }
        Ok(std::mem::take(&mut self.sums))
    }
}

/// The checksum the footer and the manifest hold: of the header and the
/// block table, which hold the checksums of everything else.
fn footer_checksum(header: &[u8], table: &[u8]) -> u64 {
    let mut h = Xxh3::new();
    h.update(header);
    h.update(table);
    h.digest()
}

/// What reads from a damaged block get (the caller reports the damage).
static ZEROS: [u8; 4096] = [0; 4096];

/// An open segment: its file mapped into memory, its blocks checked when
/// first read.
pub struct Segment {
    map: Mmap,
    /// The file's path, for messages.
    name: String,
    bands: usize,
    slots: usize,
    files: usize,
    items: usize,
    files_at: usize,
    items_at: usize,
    exact_at: usize,
    bands_at: usize,
    sketches_at: usize,
    anchors_at: usize,
    /// Entries of the anchor table (0 in formats 1 and 2).
    anchor_entries: usize,
    /// Low bits of an anchor entry that name its file.
    anchor_bits: u32,
    /// The winnowing window the anchors were chosen with.
    anchor_window: usize,
    /// Where the anchor counts are, when the segment has them.
    counts_at: Option<usize>,
    places_at: usize,
    /// Entries of the places table (0 in formats 1 to 3).
    places: usize,
    ids_at: usize,
    paths_at: usize,
    /// Where the checked tables end (and the block table begins).
    data_end: usize,
    /// Blocks are `1 << block_shift` bytes.
    block_shift: u32,
    /// One bit per block: checked and found good.
    checked: Vec<AtomicU64>,
    /// The first damage found (the message, without the file's name).
    damage: OnceLock<String>,
}

impl Segment {
    /// Maps `path` and checks its length, header and block table against
    /// what the manifest recorded; the error says what is wrong (the caller
    /// names the file). A missing file is `Err(None)`.
    pub fn open(path: &Path, len: u64, checksum: u64) -> Result<Segment, Option<String>> {
        let file = File::open(path).map_err(|e| {
            (e.kind() != io::ErrorKind::NotFound).then(|| format!("cannot open: {}", crate::source::io_message(&e)))
        })?;
        // SAFETY: segments are never written after they are renamed into
        // place (writers make new files and only ever delete old ones), so
        // the mapped bytes do not change under the reader.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| Some(format!("cannot map: {e}")))?;
        let actual = map.len() as u64;
        if actual != len {
            return Err(Some(format!("truncated or damaged segment: {actual} bytes, the manifest says {len}")));
        }
        if map.len() < HEADER_3 + FOOTER || &map[..8] != MAGIC || &map[map.len() - 8..] != END {
            return Err(Some("not a doublet index segment (bad magic number)".into()));
        }
        let body = map.len() - FOOTER;
        let stored = u64_at(&map, body);
        let version = u32_at(&map, 8);
        if !(1..=VERSION).contains(&version) {
            return Err(Some(format!("segment format {version}, this doublet reads 1 to {VERSION}")));
        }
        let bands = u32_at(&map, 12) as usize;
        let slots = u32_at(&map, 16) as usize;
        let files = u64_at(&map, 24) as usize;
        let items = u64_at(&map, 32) as usize;
        let paths = u64_at(&map, 40) as usize;
        let header = if version >= 4 { HEADER } else { HEADER_3 };
        let (places, ids) = if version >= 4 { (u64_at(&map, 64) as usize, u64_at(&map, 72) as usize) } else { (0, 0) };
        let (anchor_bits, anchor_window, anchor_entries) = if version >= 3 {
            (u32_at(&map, 20), u32_at(&map, 52) as usize, u64_at(&map, 56) as usize)
        } else {
            (anchor_item_bits(items), 0, 0)
        };
        if anchor_bits == 0 || anchor_bits > 32 {
            return Err(Some("damaged segment: its header is not one this doublet writes".into()));
        }
        // Format 1 has no block table: its blocks are all checked below.
        let block = if version == 1 { BLOCK } else { u32_at(&map, 48) as usize };
        let files_at = header;
        let items_at = files_at + files * FILE_BYTES;
        let exact_at = items_at + items * ITEM_BYTES;
        let bands_at = exact_at + items * EXACT_BYTES;
        let sketches_at = bands_at + bands * items * BAND_BYTES;
        let anchors_at = sketches_at + items * slots;
        let anchors_end = anchors_at + anchor_entries * ANCHOR_BYTES;
        let counts_at = (version >= 5 && anchor_entries > 0).then_some(anchors_end);
        let places_at = anchors_end + if counts_at.is_some() { items * COUNT_BYTES } else { 0 };
        let ids_at = places_at + places * PLACE_BYTES;
        let paths_at = ids_at + ids;
        let data_end = paths_at + paths;
        let blocks = data_end.div_ceil(block.max(1));
        let table = if version == 1 { 0 } else { blocks * 8 };
        if !block.is_power_of_two() || data_end.checked_add(table) != Some(body) {
            return Err(Some("damaged segment: its tables do not add up to its length".into()));
        }
        // Format 1 checksums the whole body, format 2 the header and the
        // block table.
        let actual = if version == 1 {
            xxhash_rust::xxh3::xxh3_64(&map[..body])
        } else {
            footer_checksum(&map[..header], &map[data_end..body])
        };
        if stored != checksum || actual != checksum {
            return Err(Some(format!("corrupt segment: checksum {actual:016x}, the manifest says {checksum:016x}")));
        }
        let segment = Segment {
            map,
            name: path.display().to_string(),
            bands,
            slots,
            files,
            items,
            files_at,
            items_at,
            exact_at,
            bands_at,
            sketches_at,
            anchors_at,
            anchor_entries,
            anchor_bits,
            anchor_window,
            counts_at,
            places_at,
            places,
            ids_at,
            paths_at,
            data_end,
            block_shift: block.trailing_zeros(),
            checked: (0..blocks.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
            damage: OnceLock::new(),
        };
        // A check reads a few entries of the anchor table in scattered
        // places: reading ahead around each would read most of it from disk.
        #[cfg(unix)]
        let _ = segment.map.advise_range(memmap2::Advice::Random, anchors_at, anchor_entries * ANCHOR_BYTES);
        if version == 1 {
            // Checked whole above.
            segment.checked.iter().for_each(|w| w.store(u64::MAX, Relaxed));
        } else if !segment.check_block(0) {
            return Err(segment.damage.into_inner());
        }
        Ok(segment)
    }

    /// Whether block `b` was found to match its checksum already.
    fn is_checked(&self, b: usize) -> bool {
        self.checked[b / 64].load(Relaxed) & (1 << (b % 64)) != 0
    }

    /// Whether block `b` matches its checksum, checking it the first time.
    fn check_block(&self, b: usize) -> bool {
        if self.is_checked(b) {
            return true;
        }
        let (start, end) = (b << self.block_shift, ((b + 1) << self.block_shift).min(self.data_end));
        let actual = xxhash_rust::xxh3::xxh3_64(&self.map[start..end]);
        let stored = u64_at(&self.map, self.data_end + 8 * b);
        if actual != stored {
            let _ = self.damage.set(format!(
                "corrupt segment: checksum {actual:016x} of bytes {start}..{end}, its block table says {stored:016x}"
            ));
            return false;
        }
        self.checked[b / 64].fetch_or(1 << (b % 64), Relaxed);
        true
    }

    /// The `len` bytes at `at`, checked; zeros when they are damaged or out
    /// of the tables (the damage is then recorded).
    fn read(&self, at: usize, len: usize) -> &[u8] {
        let end = at.saturating_add(len);
        if len == 0 {
            return &[];
        }
        if end > self.data_end {
            let _ = self.damage.set("damaged segment: a table points past its end".into());
        } else if (at >> self.block_shift..=(end - 1) >> self.block_shift).all(|b| self.check_block(b)) {
            return &self.map[at..end];
        }
        &ZEROS[..len.min(ZEROS.len())]
    }

    /// Asks the memory for the bytes at `at` without waiting for them (see
    /// [`crate::prefetch::touch`]): the whole block when it is still to be checked, as its
    /// checksum reads all of it.
    fn touch(&self, at: usize) {
        let b = at >> self.block_shift;
        if b < self.checked.len() * 64 && !self.is_checked(b) {
            let start = b << self.block_shift;
            touch_range(&self.map, start..start + (1 << self.block_shift));
        } else {
            touch(&self.map, at);
        }
    }

    /// The first damage found in the segment, naming it; everything read
    /// since it was found may be zeros.
    pub fn damage(&self) -> Option<String> {
        self.damage.get().map(|d| format!("{}: {d}", self.name))
    }

    /// Checks every block, in parallel; the error names the first damage.
    pub fn verify(&self) -> Result<(), String> {
        let blocks = self.data_end.div_ceil(1 << self.block_shift);
        (0..blocks).into_par_iter().for_each(|b| {
            self.check_block(b);
        });
        self.damage().map_or(Ok(()), Err)
    }

    pub fn files(&self) -> usize {
        self.files
    }

    /// Band keys per item and sketch slots per item.
    pub fn shape(&self) -> (usize, usize) {
        (self.bands, self.slots)
    }

    pub fn items(&self) -> usize {
        self.items
    }

    pub fn bytes(&self) -> u64 {
        self.map.len() as u64
    }

    pub fn file(&self, f: usize) -> FileEntry {
        let r = self.read(self.files_at + f * FILE_BYTES, FILE_BYTES);
        let (at, len) = (u64_at(r, 0) as usize, u32_at(r, 8) as usize);
        let bytes = self.read(self.paths_at.saturating_add(at), len);
        FileEntry {
            path: String::from_utf8_lossy(bytes).into_owned(),
            paragraphs: u32_at(r, 12),
            bytes: u64_at(r, 16),
            digest: u64_at(r, 24),
        }
    }

    /// The file (index into the segment's files) item `i` belongs to.
    pub fn item_file(&self, i: usize) -> u32 {
        u32_at(self.read(self.items_at + i * ITEM_BYTES, 4), 0)
    }

    /// Item `i`, without its exact key (0): the sorted exact table holds
    /// the keys, and a lookup already knows the key it looked up.
    pub fn item(&self, i: usize) -> ItemRecord {
        let r = self.read(self.items_at + i * ITEM_BYTES, ITEM_BYTES);
        let w = |k: usize| u32_at(r, 4 * k);
        ItemRecord {
            key: 0,
            para_first: w(1),
            para_last: w(2),
            page: w(3),
            byte_start: u64_at(r, 16),
            byte_end: u64_at(r, 24),
            line_start: w(8),
            col_start: w(9),
            line_end: w(10),
            col_end: w(11),
            content: u64_at(r, 48),
            inside: self.place(i),
        }
    }

    /// Where item `i` lies inside a compressed file or a record, if it
    /// does.
    fn place(&self, i: usize) -> Option<Box<Inside>> {
        let item_at = |e: usize| u32_at(self.read(self.places_at + e * PLACE_BYTES, 4), 0) as usize;
        let (mut lo, mut hi) = (0, self.places);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if item_at(mid) < i {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        if lo == self.places || item_at(lo) != i {
            return None;
        }
        let r = self.read(self.places_at + lo * PLACE_BYTES, PLACE_BYTES);
        let word = |k: usize| u64_at(r, 8 + 8 * k);
        let known = r[5];
        let field = |k: usize| (known & PLACE_FIELD != 0).then(|| word(k) as usize);
        let record = (known & PLACE_RECORD != 0).then(|| {
            let bytes = self.read(self.ids_at.saturating_add(word(5) as usize), u32_at(r, 56) as usize);
            String::from_utf8_lossy(bytes).into_owned()
        });
        Some(Box::new(Inside {
            compression: match r[4] {
                1 => Some("gzip"),
                2 => Some("zstd"),
                _ => None,
            },
            row: (known & PLACE_ROW != 0).then(|| word(0)),
            record,
            field_start: field(1),
            field_end: field(2),
            field_char_start: field(3),
            field_char_end: field(4),
            text: None,
        }))
    }

    /// Where entry `e` of the sorted exact table lies.
    fn exact_pos(&self, e: usize) -> usize {
        self.exact_at + e * EXACT_BYTES
    }

    /// Entry `e` of the sorted exact table: key and item.
    fn exact_entry(&self, e: usize) -> (u128, u32) {
        let r = self.read(self.exact_pos(e), EXACT_BYTES);
        (u128_at(r, 0), u32_at(r, 16))
    }

    /// For every `(key, tag)` of `keys` (sorted by key), `found(tag, item)`
    /// for each item whose exact key is `key`, by one walk of the table (`walk`).
    pub fn exact_all(&self, keys: &[(u128, u32)], found: impl FnMut(u32, u32)) {
        let touch = |e: usize| self.touch(self.exact_pos(e));
        walk(self.items, |e| self.exact_entry(e), touch, keys.iter().copied(), found);
    }

    /// [`Segment::exact_all`] for band `b`'s keys.
    pub fn band_all(&self, b: usize, keys: &[(u32, u32)], found: impl FnMut(u32, u32)) {
        // Band keys compare as the top bits of a u128, where the search
        // interpolates.
        let entry = |e: usize| {
            let (key, item) = self.band_entry(b, e);
            ((key as u128) << 96, item)
        };
        let touch = |e: usize| self.touch(self.band_pos(b, e));
        walk(self.items, entry, touch, keys.iter().map(|&(key, tag)| ((key as u128) << 96, tag)), found);
    }

    /// Where entry `e` of band `b`'s sorted table lies.
    fn band_pos(&self, b: usize, e: usize) -> usize {
        self.bands_at + (b * self.items + e) * BAND_BYTES
    }

    /// Entry `e` of band `b`'s sorted table: key and item.
    fn band_entry(&self, b: usize, e: usize) -> (u32, u32) {
        let r = self.read(self.band_pos(b, e), BAND_BYTES);
        (u32_at(r, 0), u32_at(r, 4))
    }

    pub fn sketch(&self, i: usize) -> &[u8] {
        self.read(self.sketches_at + i * self.slots, self.slots)
    }

    /// Entries of the anchor table.
    pub fn anchor_entries(&self) -> usize {
        self.anchor_entries
    }

    /// Whether the segment holds the passage anchors of its files, chosen as
    /// this doublet chooses them (segments of formats 1 and 2 hold none).
    pub fn has_anchors(&self) -> bool {
        self.anchor_window == crate::passages::WINDOW
    }

    /// How many entries of the anchor table name item `i` (its rare anchors)
    /// and how many distinct anchors it has; `None` when the segment does
    /// not say (formats 1 to 4, no anchors, or an item merged from such a
    /// segment).
    pub fn anchor_counts(&self, i: usize) -> Option<(u32, u32)> {
        let r = self.read(self.counts_at? + i * COUNT_BYTES, COUNT_BYTES);
        let (held, distinct) = (u16::from_le_bytes([r[0], r[1]]), u16::from_le_bytes([r[2], r[3]]));
        (distinct > 0).then_some((u32::from(held), u32::from(distinct)))
    }

    /// Where entry `e` of the anchor table lies.
    fn anchor_pos(&self, e: usize) -> usize {
        self.anchors_at + e * ANCHOR_BYTES
    }

    /// Entry `e` of the anchor table: its hash, with the bits that name the
    /// item zero, and who holds it.
    fn anchor_entry(&self, e: usize) -> (u64, Holder) {
        let key = u64_at(self.read(self.anchor_pos(e), ANCHOR_BYTES), 0);
        let mask = (1u64 << self.anchor_bits) - 1;
        let item = key & mask;
        (key & !mask, if item == mask { Holder::Common } else { Holder::Item(item as u32) })
    }

    /// For every `(anchor, tag)` of `anchors` (sorted by anchor),
    /// `found(tag, holder)` for each holder of the anchor the segment knows
    /// (hashes alike in all but the bits that name an item count as one).
    /// The table is walked once, as the others are.
    pub fn anchor_all(&self, anchors: &[(u64, u32)], mut found: impl FnMut(u32, Holder)) {
        if !self.has_anchors() {
            return;
        }
        let low = (1u64 << self.anchor_bits) - 1;
        // The holder travels as the item's number, u32::MAX for common (no
        // item has that number: it is the all-ones mark at 32 bits).
        let entry = |e: usize| {
            let (hash, holder) = self.anchor_entry(e);
            ((hash as u128) << 64, if let Holder::Item(i) = holder { i } else { u32::MAX })
        };
        let keys = anchors.iter().map(|&(h, tag)| (((h & !low) as u128) << 64, tag));
        let touch = |e: usize| self.touch(self.anchor_pos(e));
        walk(self.anchor_entries, entry, touch, keys, |tag, i| {
            found(tag, if i == u32::MAX { Holder::Common } else { Holder::Item(i) })
        });
    }
}

/// For every `(key, tag)` of `keys` (sorted by key), `found(tag, item)` for
/// each of the `n` entries `entry(e) = (key, item)` of a sorted table that
/// hold `key`. The table is walked once: keys are searched [`GROUP`] at a
/// time, each group's searches starting where the last group's last one
/// ended, so a batch of keys touches each page at most once. A search reads
/// a few entries one after another, each a cache miss in a large table;
/// the group's searches take their steps together, and every step's entries
/// are first `touch`ed (asked of the memory without waiting), so their
/// misses overlap instead of following one another.
fn walk(
    n: usize,
    entry: impl Fn(usize) -> (u128, u32),
    touch: impl Fn(usize),
    keys: impl Iterator<Item = (u128, u32)>,
    mut found: impl FnMut(u32, u32),
) {
    let key_at = |e: usize| entry(e).0;
    let mut keys = keys.peekable();
    let mut group: Vec<(u128, u32, Search)> = Vec::with_capacity(GROUP);
    let mut from = 0;
    while keys.peek().is_some() {
        group.clear();
        group.extend(keys.by_ref().take(GROUP).map(|(key, tag)| (key, tag, Search::start(from, n, &key_at, key))));
        loop {
            let probes = group.iter().filter_map(|(_, _, s)| s.probe()).inspect(|&g| touch(g)).count();
            if probes == 0 {
                break;
            }
            for (_, _, s) in &mut group {
                if let Some(g) = s.probe() {
                    s.see(g, key_at(g));
                }
            }
        }
        for (_, _, s) in &group {
            if let Some((lo, hi)) = s.left() {
                touch(lo);
                touch(hi);
            }
        }
        for &(key, tag, ref s) in &group {
            let mut e = s.finish(&key_at);
            from = e;
            while e < n {
                let (k, item) = entry(e);
                if k != key {
                    break;
                }
                found(tag, item);
                e += 1;
            }
        }
    }
}

/// Searches of a [`walk`] that take their steps together.
const GROUP: usize = 16;

/// A search for the first entry at or after `from` whose key is at least
/// `target`, among sorted keys `from..n`, one read at a time. Keys are
/// hashes (spread evenly), so interpolating on their top 64 bits lands next
/// to the answer; after a few probes that do not, halving ends it. Each
/// probe narrows the range to one whose end keys are known, so a probe
/// reads one new entry: a walk's searches read the entry where the last one
/// ended (in memory already), the table's last (the same every time) and a
/// few near the answer.
struct Search {
    target: u128,
    /// `key(lo) < target <= key(hi)` while searching: the answer is in
    /// `lo + 1 ..= hi`.
    lo: usize,
    hi: usize,
    /// The keys at `lo` and `hi`.
    first: u128,
    end: u128,
    probes: u32,
    answer: Option<usize>,
}

impl Search {
    /// Interpolating probes before halving.
    const PROBES: u32 = 8;
    /// A range this small is halved.
    const SMALL: usize = 16;

    fn start(from: usize, n: usize, key_at: &dyn Fn(usize) -> u128, target: u128) -> Search {
        let done = |at: usize| Search { target, lo: at, hi: at, first: 0, end: 0, probes: 0, answer: Some(at) };
        let lo = from.min(n);
        if lo == n {
            return done(lo);
        }
        let first = key_at(lo);
        if target <= first {
            return done(lo);
        }
        let end = key_at(n - 1);
        if target > end {
            return done(n);
        }
        Search { target, lo, hi: n - 1, first, end, probes: 0, answer: None }
    }

    /// The entry to read next while interpolating; `None` when the range is
    /// small enough to halve, or the answer known.
    fn probe(&self) -> Option<usize> {
        if self.answer.is_some() || self.probes == Self::PROBES || self.hi - self.lo <= Self::SMALL {
            return None;
        }
        let (t, f, l) = ((self.target >> 64) as u64, (self.first >> 64) as u64, (self.end >> 64) as u64);
        // In floating point: a guess need not be exact, and a 128-bit
        // division costs as much as the rest of the probe.
        let span = (self.hi - self.lo) as f64;
        let guess = self.lo + (t.saturating_sub(f) as f64 / l.saturating_sub(f).max(1) as f64 * span) as usize;
        Some(guess.clamp(self.lo + 1, self.hi - 1))
    }

    /// Takes the key of the entry [`Search::probe`] named.
    fn see(&mut self, guess: usize, key: u128) {
        if key < self.target {
            (self.lo, self.first) = (guess, key);
        } else {
            (self.hi, self.end) = (guess, key);
        }
        self.probes += 1;
    }

    /// The range left to halve, when the answer is not known.
    fn left(&self) -> Option<(usize, usize)> {
        self.answer.is_none().then_some((self.lo + 1, self.hi))
    }

    /// The answer, by halving what is left.
    fn finish(&self, key_at: &dyn Fn(usize) -> u128) -> usize {
        if let Some(at) = self.answer {
            return at;
        }
        let (mut lo, mut hi) = (self.lo + 1, self.hi);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if key_at(mid) < self.target {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
}

/// The first entry at or after `from` whose key is at least `target`, among
/// sorted keys `from..n` (see [`Search`]).
#[cfg(test)]
fn lower_bound(from: usize, n: usize, key_at: &dyn Fn(usize) -> u128, target: u128) -> usize {
    let mut s = Search::start(from, n, key_at, target);
    while let Some(g) = s.probe() {
        s.see(g, key_at(g));
    }
    s.finish(key_at)
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4).map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).map_or(0, |s| u64::from_le_bytes(s.try_into().unwrap_or([0; 8])))
}

fn u128_at(b: &[u8], at: usize) -> u128 {
    b.get(at..at + 16).map_or(0, |s| u128::from_le_bytes(s.try_into().unwrap_or([0; 16])))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::mix;

    const BANDS: usize = 32;

    /// Items of `s` whose exact key is `key`.
    fn exact(s: &Segment, key: u128) -> Vec<u32> {
        let mut out = Vec::new();
        s.exact_all(&[(key, 0)], |_, item| out.push(item));
        out
    }
    const SLOTS: usize = 128;

    /// File `f` of a test segment: 100 items, no anchors.
    fn record(f: usize) -> FileRecord {
        let r = |i: usize| mix((f * 1000 + i) as u64);
        FileRecord {
            name: format!("file-{f}.txt"),
            bytes: 100 * 500,
            digest: r(999),
            paragraphs: 100,
            items: (0..100)
                .map(|i| ItemRecord {
                    key: (r(i) as u128) << 64 | i as u128,
                    para_first: i as u32,
                    para_last: i as u32,
                    byte_start: 500 * i as u64,
                    byte_end: 500 * i as u64 + 498,
                    line_start: 2 * i as u32 + 1,
                    col_start: 1,
                    line_end: 2 * i as u32 + 1,
                    col_end: 498,
                    page: 0,
                    content: r(i + 7),
                    inside: None,
                })
                .collect(),
            band_keys: (0..100 * BANDS).map(|i| r(i << 20) as u32).collect(),
            sketches: (0..100 * SLOTS).map(|i| r(i << 24) as u8).collect(),
            snippets: vec![String::new(); 100],
            anchors: Vec::new(),
            anchor_ends: vec![0; 100],
        }
    }

    /// A segment of `files` files of 100 items each, written to `path`:
    /// its length and checksum.
    fn write(path: &Path, files: usize) -> (u64, u64) {
        let mut b = Builder::new(BANDS, SLOTS);
        for f in 0..files {
            b.push_record(record(f));
        }
        b.write(path, || ()).unwrap()
    }

    /// File `f` of [`anchors_name_their_files_and_stock_ones_are_common`]:
    /// the stock anchor in its first paragraph (and in the next two of file
    /// 0), an anchor of its own, and a shared one in files 3 and 50.
    fn with_anchors(f: usize) -> FileRecord {
        let mut first = vec![STOCK, mix(1 << 40 | f as u64)];
        if f == 3 || f == 50 {
            first.push(SHARED);
        }
        first.sort_unstable();
        let mut ends = vec![first.len(); 100];
        let mut anchors = first;
        if f == 0 {
            anchors.extend([STOCK, STOCK]);
            let n = ends[0];
            (ends[1], ends[2]) = (n + 1, n + 2);
            ends[3..].fill(n + 2);
        }
        FileRecord { anchors, anchor_ends: ends, ..record(f) }
    }
    const STOCK: u64 = 0x5555_0000_0000_0000;
    const SHARED: u64 = 0x9999_0000_0000_0000;

    /// The segment at `path` made by compacting `sources`.
    fn merged(path: &Path, sources: &[&Segment]) -> Segment {
        let mut builder = Builder::new(BANDS, SLOTS);
        sources.iter().for_each(|s| builder.push_segment(s));
        let (len, sum) = builder.write(path, || ()).unwrap();
        Segment::open(path, len, sum).unwrap()
    }

    /// Holders of each of `anchors` (any order) in `s`.
    fn holders(s: &Segment, anchors: &[u64]) -> Vec<Vec<Holder>> {
        let mut q: Vec<(u64, u32)> = anchors.iter().enumerate().map(|(i, &h)| (h, i as u32)).collect();
        q.sort_unstable();
        let mut out = vec![Vec::new(); anchors.len()];
        s.anchor_all(&q, |tag, holder| out[tag as usize].push(holder));
        out
    }

    #[test]
    fn anchors_name_their_items_and_stock_ones_are_common() {
        let dir = tempfile::tempdir().unwrap();
        let item = Holder::Item;
        // 60 files of 100 items in one segment: the stock anchor is in 62
        // paragraphs, not yet more than MAX_ANCHOR_PARAGRAPHS.
        let (a, b) = (dir.path().join("a.dseg"), dir.path().join("b.dseg"));
        let mut builder = Builder::new(BANDS, SLOTS);
        (0..60).for_each(|f| builder.push_record(with_anchors(f)));
        let (alen, asum) = builder.write(&a, || ()).unwrap();
        let mut builder = Builder::new(BANDS, SLOTS);
        (60..70).for_each(|f| builder.push_record(with_anchors(f)));
        let (blen, bsum) = builder.write(&b, || ()).unwrap();
        let (sa, sb) = (Segment::open(&a, alen, asum).unwrap(), Segment::open(&b, blen, bsum).unwrap());
        assert!(sa.has_anchors() && sb.has_anchors());
        let own = |f: usize| mix(1 << 40 | f as u64);
        let asked = [SHARED, STOCK, own(7), own(65), 0x1234_5678_9abc_def0];
        let stock: Vec<Holder> = [0, 1, 2].into_iter().chain((1..60).map(|f| 100 * f)).map(item).collect();
        assert_eq!(holders(&sa, &asked), [vec![item(300), item(5000)], stock, vec![item(700)], vec![], vec![]]);
        assert_eq!(
            holders(&sb, &asked),
            [vec![], (0..10).map(|f| item(100 * f)).collect(), vec![], vec![item(500)], vec![]]
        );
        assert_eq!(sa.anchor_entries, 60 + 62 + 2);
        // Per item, its rare anchors (entries naming it) and all its anchors.
        assert_eq!(
            [sa.anchor_counts(300), sa.anchor_counts(1), sa.anchor_counts(5)],
            [Some((3, 3)), Some((1, 1)), None]
        );

        // Merged, the stock anchor is in 72 paragraphs: one common entry.
        let sc = merged(&dir.path().join("c.dseg"), &[&sa, &sb]);
        assert_eq!(
            holders(&sc, &asked),
            [vec![item(300), item(5000)], vec![Holder::Common], vec![item(700)], vec![item(6500)], vec![]]
        );
        assert_eq!(sc.anchor_entries, 70 + 2 + 1);
        // Counted again: the stock anchor is no longer rare.
        let counts = [300, 1, 6500].map(|i| sc.anchor_counts(i));
        assert_eq!(counts, [Some((2, 3)), Some((0, 1)), Some((1, 2))]);
        assert!(sc.verify().is_ok());
        // Items, exact keys and paths came along.
        assert_eq!((sc.file(65).path.as_str(), sc.item_file(6500)), ("file-65.txt", 65));
        assert_eq!(exact(&sc, (mix(65 * 1000 + 3) as u128) << 64 | 3), [6503]);

        // 80 files of one add: common at once.
        let d = dir.path().join("d.dseg");
        let mut builder = Builder::new(BANDS, SLOTS);
        (0..80).for_each(|f| builder.push_record(with_anchors(f)));
        let (dlen, dsum) = builder.write(&d, || ()).unwrap();
        let sd = Segment::open(&d, dlen, dsum).unwrap();
        assert_eq!(holders(&sd, &[STOCK, own(79)]), [vec![Holder::Common], vec![item(7900)]]);
        assert_eq!(sd.anchor_counts(7900), Some((1, 2)));
    }

    /// Rewrites a format 5 segment with anchors as format 4 wrote it: the
    /// same tables without the anchor counts.
    fn to_format_4(path: &Path) -> (u64, u64) {
        let bytes = std::fs::read(path).unwrap();
        let s = Segment::open(path, bytes.len() as u64, u64_at(&bytes, bytes.len() - FOOTER)).unwrap();
        let (counts, end, data_end) = (s.counts_at.unwrap(), s.places_at, s.data_end);
        drop(s);
        let mut data = bytes[..counts].to_vec();
        data.extend_from_slice(&bytes[end..data_end]);
        data[8..12].copy_from_slice(&4u32.to_le_bytes());
        seal(path, data, HEADER, false)
    }

    /// Writes `data` (a header of `header` bytes and the tables) to `path`
    /// with its block table (of the block size its header names) and footer, or with one checksum of it all as
    /// format 1 had (`whole`); returns its length and checksum.
    fn seal(path: &Path, mut data: Vec<u8>, header: usize, whole: bool) -> (u64, u64) {
        let sum = if whole {
            xxhash_rust::xxh3::xxh3_64(&data)
        } else {
            let block = u32_at(&data, 48) as usize;
            let sums: Vec<u8> = data.chunks(block).flat_map(|c| xxhash_rust::xxh3::xxh3_64(c).to_le_bytes()).collect();
            let sum = footer_checksum(&data[..header], &sums);
            data.extend_from_slice(&sums);
            sum
        };
        data.extend_from_slice(&sum.to_le_bytes());
        data.extend_from_slice(END);
        std::fs::write(path, &data).unwrap();
        (data.len() as u64, sum)
    }

    #[test]
    fn segments_of_larger_blocks_are_read_and_checked() {
        // As doublet wrote them before: 1 KiB blocks.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.dseg");
        let (len, checksum) = write(&path, 20);
        let good = Segment::open(&path, len, checksum).unwrap();
        let key = (mix(19 * 1000 + 42) as u128) << 64 | 42;
        let (found, at) = (exact(&good, key), good.band_pos(7, 1000) + 5);
        let mut data = std::fs::read(&path).unwrap()[..good.data_end].to_vec();
        drop(good);
        data[48..52].copy_from_slice(&1024u32.to_le_bytes());
        let (len, checksum) = seal(&path, data, HEADER, false);
        let old = Segment::open(&path, len, checksum).unwrap();
        assert_eq!((old.block_shift, exact(&old, key)), (10, found));
        assert!(old.verify().is_ok());
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[at] ^= 4;
        std::fs::write(&path, &bytes).unwrap();
        let bad = Segment::open(&path, len, checksum).unwrap();
        assert_eq!(bad.band_entry(7, 1000), (0, 0));
        assert!(bad.damage().expect("damage found").contains("corrupt segment: checksum"));
    }

    #[test]
    fn format_4_segments_have_no_anchor_counts_and_merge_with_them_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.dseg"), dir.path().join("b.dseg"));
        for (path, files) in [(&a, 0..3), (&b, 3..5)] {
            let mut builder = Builder::new(BANDS, SLOTS);
            files.for_each(|f| builder.push_record(with_anchors(f)));
            builder.write(path, || ()).unwrap();
        }
        let (alen, asum) = to_format_4(&a);
        let sa = Segment::open(&a, alen, asum).unwrap();
        let bytes = std::fs::read(&b).unwrap();
        let sb = Segment::open(&b, bytes.len() as u64, u64_at(&bytes, bytes.len() - FOOTER)).unwrap();
        // The anchors are all there, their counts are not.
        assert!(sa.has_anchors() && sa.counts_at.is_none());
        assert_eq!(
            holders(&sa, &[STOCK]),
            [vec![Holder::Item(0), Holder::Item(1), Holder::Item(2), Holder::Item(100), Holder::Item(200)]]
        );
        assert_eq!(sa.anchor_counts(0), None);
        assert_eq!(sb.anchor_counts(0), Some((3, 3)));
        // Merged: the format 4 items' counts stay unknown, the others' known.
        let sc = merged(&dir.path().join("c.dseg"), &[&sa, &sb]);
        assert_eq!([sc.anchor_counts(0), sc.anchor_counts(300)], [None, Some((3, 3))]);
        assert!(sc.verify().is_ok());
    }

    #[test]
    fn blocks_are_checked_when_first_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.dseg");
        let (len, checksum) = write(&path, 20);
        let good = Segment::open(&path, len, checksum).unwrap();
        assert_eq!(good.file(19).path, "file-19.txt");
        let key = (mix(19 * 1000 + 42) as u128) << 64 | 42;
        assert_eq!(exact(&good, key), [19 * 100 + 42]);
        assert!(good.verify().is_ok() && good.damage().is_none());
        // Only the first block is checked at open.
        assert!(good.data_end > 10 * BLOCK);
        let fresh = Segment::open(&path, len, checksum).unwrap();
        assert_eq!(fresh.checked.iter().map(|w| w.load(Relaxed).count_ones()).sum::<u32>(), 1);

        // A flipped bit in band 7's entry 1000: the index opens, the read
        // of that block finds the damage, and so does verify.
        let original = std::fs::read(&path).unwrap();
        let mut bytes = original.clone();
        bytes[good.band_pos(7, 1000) + 5] ^= 4;
        std::fs::write(&path, &bytes).unwrap();
        let bad = Segment::open(&path, len, checksum).unwrap();
        assert!(bad.damage().is_none());
        assert_eq!(bad.band_entry(7, 1000), (0, 0), "damaged blocks read as zeros");
        let damage = bad.damage().expect("damage found");
        assert!(damage.contains("s.dseg: corrupt segment: checksum"), "{damage}");
        let again = Segment::open(&path, len, checksum).unwrap();
        assert!(again.verify().unwrap_err().contains("corrupt segment"));

        // In the header, the first block or the block table: refused at open.
        for at in [20, BLOCK - 50, len as usize - FOOTER - 3] {
            let mut broken = original.clone();
            broken[at] ^= 1;
            std::fs::write(&path, &broken).unwrap();
            let err = Segment::open(&path, len, checksum).err().unwrap().unwrap();
            assert!(err.contains("corrupt segment") || err.contains("damaged segment"), "{at}: {err}");
        }
    }

    /// The segment at `path` (of this format, without anchors or places)
    /// rewritten in format `version` (1 to 3): its length and checksum.
    fn downgrade(path: &Path, version: u32) -> (u64, u64) {
        let bytes = std::fs::read(path).unwrap();
        let s = Segment::open(path, bytes.len() as u64, u64_at(&bytes, bytes.len() - FOOTER)).unwrap();
        assert_eq!((s.anchor_entries, s.places), (0, 0));
        let data_end = s.data_end;
        drop(s);
        let mut data = bytes[..HEADER_3].to_vec();
        data.extend_from_slice(&bytes[HEADER..data_end]);
        data[8..12].copy_from_slice(&version.to_le_bytes());
        if version <= 2 {
            data[20..24].fill(0);
            data[52..64].fill(0);
        }
        if version == 1 {
            data[48..52].fill(0);
        }
        seal(path, data, HEADER_3, version == 1)
    }

    #[test]
    fn format_1_segments_are_read_and_checked_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.dseg");
        write(&path, 3);
        let (len, whole) = downgrade(&path, 1);
        let s = Segment::open(&path, len, whole).unwrap();
        assert!(!s.has_anchors());
        assert_eq!(s.file(2).path, "file-2.txt");
        assert_eq!(exact(&s, (mix(2 * 1000 + 5) as u128) << 64 | 5), [205]);
        assert!(s.verify().is_ok());
        let data_end = s.data_end;
        drop(s);
        let mut v1 = std::fs::read(&path).unwrap();
        v1[data_end - 1] ^= 1;
        std::fs::write(&path, &v1).unwrap();
        let err = Segment::open(&path, len, whole).err().unwrap().unwrap();
        assert!(err.contains("corrupt segment: checksum"), "{err}");
    }

    #[test]
    fn format_2_segments_are_read_without_anchors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.dseg");
        write(&path, 3);
        let (len, sum) = downgrade(&path, 2);
        let s = Segment::open(&path, len, sum).unwrap();
        assert!(!s.has_anchors());
        assert_eq!(s.file(2).path, "file-2.txt");
        assert_eq!(s.item(205).content, mix(2 * 1000 + 12));
        assert!(s.verify().is_ok());
        assert_eq!(holders(&s, &[STOCK]), [vec![]]);
        // Merged with it, a segment holds no anchors either.
        let mut b = Builder::new(BANDS, SLOTS);
        b.push_segment(&s);
        b.push_record(with_anchors(9));
        assert_eq!(b.anchorless(), 1);
        let merged = dir.path().join("m.dseg");
        let (mlen, msum) = b.write(&merged, || ()).unwrap();
        let m = Segment::open(&merged, mlen, msum).unwrap();
        assert!(!m.has_anchors());
        assert_eq!(m.file(3).path, "file-9.txt");
    }

    #[test]
    fn places_inside_records_are_kept_and_format_3_has_none() {
        let dir = tempfile::tempdir().unwrap();
        let place = |i: u32| Inside {
            compression: (i % 2 == 0).then_some("zstd"),
            row: Some(u64::from(i) + 1),
            record: (i % 3 != 0).then(|| format!("rec-{i}")),
            field_start: Some(10 * i as usize),
            field_end: Some(10 * i as usize + 7),
            field_char_start: Some(9 * i as usize),
            field_char_end: Some(9 * i as usize + 5),
            text: None,
        };
        let mut r = record(1);
        for (i, it) in r.items.iter_mut().enumerate().filter(|(i, _)| i % 4 != 1) {
            it.inside = Some(Box::new(place(i as u32)));
        }
        let want = r.items.clone();
        let path = dir.path().join("s.dseg");
        let mut b = Builder::new(BANDS, SLOTS);
        b.push_record(record(0));
        b.push_record(r);
        let (len, sum) = b.write(&path, || ()).unwrap();
        let s = Segment::open(&path, len, sum).unwrap();
        assert_eq!(s.places, 75);
        for (i, it) in want.iter().enumerate() {
            assert_eq!(s.item(100 + i).inside, it.inside, "{i}");
            assert_eq!(s.item(i).inside, None);
        }
        // Compaction keeps them.
        let mut c = Builder::new(BANDS, SLOTS);
        c.push_segment(&s);
        let merged = dir.path().join("m.dseg");
        let (mlen, msum) = c.write(&merged, || ()).unwrap();
        let m = Segment::open(&merged, mlen, msum).unwrap();
        assert!((0..200).all(|i| m.item(i).inside == s.item(i).inside));
        // Format 3 has no places: every item is in a plain file.
        write(&path, 2);
        let (len, sum) = downgrade(&path, 3);
        let s = Segment::open(&path, len, sum).unwrap();
        assert!(s.has_anchors() && s.places == 0);
        assert_eq!((s.file(1).path.as_str(), s.item(150).inside), ("file-1.txt", None));
    }

    #[test]
    fn a_walk_finds_every_holder_of_every_key() {
        use crate::minhash::mix;
        // Keys held by two entries, and batch keys held by none, by one and
        // by two, some asked twice, in many groups.
        let mut table: Vec<(u128, u32)> = (0..3000u64).map(|i| ((mix(i % 2500) as u128) << 64, i as u32)).collect();
        table.sort_unstable();
        let mut keys: Vec<(u128, u32)> =
            (0..400u64).map(|j| ((mix(j * 7 % 3100) as u128) << 64 | u128::from(j % 3 == 0), j as u32)).collect();
        keys.extend(keys[..50].to_vec());
        keys.sort_unstable();
        let mut got = Vec::new();
        walk(table.len(), |e| table[e], |_| {}, keys.iter().copied(), |tag, item| got.push((tag, item)));
        let mut want: Vec<(u32, u32)> =
            keys.iter().flat_map(|&(k, tag)| table.iter().filter(move |e| e.0 == k).map(move |e| (tag, e.1))).collect();
        got.sort_unstable();
        want.sort_unstable();
        assert!(want.len() > 100 && keys.len() > 10 * GROUP);
        assert_eq!(got, want);
    }

    #[test]
    fn lower_bound_agrees_with_partition_point() {
        let mut keys: Vec<u128> = (0..5000u64).map(|i| (crate::minhash::mix(i) as u128) << 64).collect();
        keys.extend([keys[7]; 5]);
        keys.sort_unstable();
        let key_at = |i: usize| keys[i];
        for probe in keys.iter().copied().chain([0, u128::MAX, keys[100] + 1, keys[4000] - 1]) {
            let want = keys.partition_point(|&k| k < probe);
            assert_eq!(lower_bound(0, keys.len(), &key_at, probe), want, "{probe}");
            for from in [0, want / 2, want.saturating_sub(1), want] {
                assert_eq!(lower_bound(from, keys.len(), &key_at, probe), want, "{probe} from {from}");
            }
        }
        assert_eq!(lower_bound(0, 0, &key_at, 5), 0);
    }
}
