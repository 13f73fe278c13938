//! Synthetic corpus with planted duplicates, for the end-to-end benchmark (`benches/e2e.sh`).
//!
//! ```sh
//! cargo run --release --example gen-corpus -- --out DIR --size 1G [--seed 1] [--files N] \
//!     [--lang mixed|zh|en] [--dup-rate 0.15]
//! ```
//!
//! Writes `DIR/docs/NNNNNN.txt` (with more than 1000 files: `DIR/docs/NNN/NNNNNN.txt`, 1000 a
//! folder), UTF-8 plain text, paragraphs separated by a blank line, and `DIR/expected.json`:
//! how many findings `doublet scan DIR/docs` should report with its default options.
//!
//! Originals are random text: English-like paragraphs (1–8 sentences of pseudo-words drawn from a
//! Zipf law over 20,000 generated words, 150–1500 bytes) and Chinese-like ones (a Zipf law over
//! 3500 ideographs of U+4E00..U+9FA5 with full-width punctuation, 60–600 characters; with
//! `--lang mixed` some carry a few Latin words). Every original is unique, which the generator
//! checks (hash of the normalized text). Planted events, about `--dup-rate` of the paragraphs:
//! an exact copy of one earlier original, of a run of 2–5 consecutive ones, a near copy of one
//! (1–1.5 % of the letters or ideographs replaced; character 5-gram Jaccard checked ≥ 0.82), of a
//! run of 2–4; plus one boilerplate paragraph at the end of every tenth file. Each event is
//! exactly one finding of doublet:
//! - an original is copied at most once and copies are never copied;
//! - every copy (a run of copies for a block) has originals on both sides that are never copied,
//!   so it extends neither into another event's copy nor into its own source;
//! - every paragraph ends a sentence, so no two are read as one cut paragraph.
//!
//! Deterministic: the plan (what goes where) comes from one generator seeded by `--seed`; the text
//! of original number g comes from its own generator seeded by (seed, g), so copies regenerate
//! their source anywhere, and the files are written in parallel (rayon) with the same bytes for
//! any number of threads.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Parser, ValueEnum};
use doublet::shingle::Shingler;
use rayon::prelude::*;

#[derive(Parser, Debug)]
#[command(about = "Generate a synthetic corpus with planted duplicates and DIR/expected.json")]
struct Args {
    /// Output directory (DIR/docs and DIR/expected.json are written).
    #[arg(long)]
    out: PathBuf,
    /// Total size in bytes, with an optional K, M or G suffix (powers of 1024).
    #[arg(long, value_parser = parse_size)]
    size: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Number of files (default: files of 100 KiB to 1 MiB).
    #[arg(long)]
    files: Option<usize>,
    #[arg(long, value_enum, default_value_t = Lang::Mixed)]
    lang: Lang,
    /// Share of the paragraphs that are planted copies (0 to 0.45).
    #[arg(long, default_value_t = 0.15)]
    dup_rate: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Lang {
    Mixed,
    Zh,
    En,
}

fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&s[..s.len() - 1], 1u64 << 10),
        Some('M') => (&s[..s.len() - 1], 1 << 20),
        Some('G') => (&s[..s.len() - 1], 1 << 30),
        _ => (s, 1),
    };
    let n: f64 = num.parse().map_err(|_| format!("bad size {s:?} (e.g. 100M, 1G, 1.5G)"))?;
    if !n.is_finite() || n <= 0.0 {
        return Err(format!("bad size {s:?}"));
    }
    Ok((n * mult as f64) as u64)
}

// ------------------------------------------------------------------------------------ randomness

/// SplitMix64: tiny, fast, and good enough for text.
#[derive(Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(mix(seed, 0x5EED))
    }
    fn next(&mut self) -> u64 {
        let z = doublet::minhash::mix(self.0);
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z
    }
    fn f64(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
    /// Uniform in 0..n.
    fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
    /// Uniform in lo..=hi.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
    fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }
    /// Log-uniform in lo..hi.
    fn log_uniform(&mut self, lo: f64, hi: f64) -> f64 {
        (lo.ln() + self.f64() * (hi.ln() - lo.ln())).exp()
    }
}

/// A seed for stream `b` of seed `a`.
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_mul(0xD6E8_FEB8_6659_FD93).rotate_left(17);
    z = (z ^ (z >> 32)).wrapping_mul(0xD6E8_FEB8_6659_FD93);
    z = (z ^ (z >> 32)).wrapping_mul(0xD6E8_FEB8_6659_FD93);
    z ^ (z >> 32)
}

const STREAM_PLAN: u64 = 1;
const STREAM_ORIG: u64 = 2;
const STREAM_NEAR: u64 = 3;
/// The vocabulary and the ideograph set are the same for every seed.
const VOCAB_SEED: u64 = 0x00D0_0B1E_7000_0001;

/// Walker's alias method: O(1) draws from a fixed discrete distribution.
struct Alias {
    prob: Vec<u32>,
    alias: Vec<u32>,
}

impl Alias {
    fn new(weights: &[f64]) -> Self {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut prob = vec![u32::MAX; n];
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            prob[s] = (scaled[s] * 4_294_967_296.0).min(u32::MAX as f64) as u32;
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        Alias { prob, alias }
    }
    fn sample(&self, rng: &mut Rng) -> usize {
        let u = rng.next();
        let i = (((u >> 32) * self.prob.len() as u64) >> 32) as usize;
        if (u as u32) < self.prob[i] {
            i
        } else {
            self.alias[i] as usize
        }
    }
}

/// Zipf–Mandelbrot weights 1 / (rank + q)^s, rank from 1.
fn zipf(n: usize, s: f64, q: f64) -> Vec<f64> {
    (1..=n).map(|k| 1.0 / (k as f64 + q).powf(s)).collect()
}

// -------------------------------------------------------------------------------------- language

const VOCAB_SIZE: usize = 20_000;
const IDEOGRAPHS: usize = 3500;

struct Language {
    words: Vec<String>,
    word_dist: Alias,
    hanzi: Vec<char>,
    hanzi_dist: Alias,
}

impl Language {
    fn new() -> Self {
        let mut rng = Rng::new(VOCAB_SEED);
        const ONSETS: &[&str] = &[
            "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "y", "z", "br", "ch",
            "cl", "cr", "dr", "fl", "fr", "gl", "gr", "pl", "pr", "sh", "sl", "sp", "st", "str", "th", "tr", "wh",
            "qu", "sc",
        ];
        const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "a", "e", "i", "o", "ai", "ea", "ee", "ie", "oo", "ou", "y"];
        const CODAS: &[&str] = &["", "", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ng", "ck", "rd", "th", "x"];
        let pick = |rng: &mut Rng, set: &[&'static str]| set[rng.below(set.len() as u64) as usize];
        let mut seen = HashSet::new();
        let mut words = Vec::with_capacity(VOCAB_SIZE);
        let ln_n = (VOCAB_SIZE as f64).ln();
        for r in 0..VOCAB_SIZE {
            // Frequent words are short: mean length 2 for the first ranks, 8.5 for the last.
            let mu = 2.0 + 6.5 * ((r + 1) as f64).ln() / ln_n;
            let mut len = (mu + (rng.f64() - 0.5) * 4.0).round().clamp(1.0, 12.0) as usize;
            let mut tries = 0;
            let word = loop {
                let mut w = String::new();
                if rng.chance(0.3) {
                    w.push_str(pick(&mut rng, VOWELS));
                }
                while w.len() < len {
                    w.push_str(pick(&mut rng, ONSETS));
                    w.push_str(pick(&mut rng, VOWELS));
                    w.push_str(pick(&mut rng, CODAS));
                }
                w.truncate(len);
                if seen.insert(w.clone()) {
                    break w;
                }
                tries += 1;
                if tries % 20 == 0 && len < 12 {
                    len += 1;
                }
            };
            words.push(word);
        }
        // 3500 distinct ideographs out of U+4E00..U+9FA5, in a fixed random order (the order is
        // the frequency rank).
        let mut all: Vec<u32> = (0x4E00..=0x9FA5).collect();
        for i in 0..IDEOGRAPHS {
            let j = i + rng.below((all.len() - i) as u64) as usize;
            all.swap(i, j);
        }
        let hanzi = all[..IDEOGRAPHS].iter().map(|&c| char::from_u32(c).unwrap()).collect();
        Language {
            words,
            word_dist: Alias::new(&zipf(VOCAB_SIZE, 1.0, 1.0)),
            hanzi,
            hanzi_dist: Alias::new(&zipf(IDEOGRAPHS, 1.0, 2.0)),
        }
    }

    fn word(&self, rng: &mut Rng) -> &str {
        &self.words[self.word_dist.sample(rng)]
    }

    fn ideograph(&self, rng: &mut Rng) -> char {
        self.hanzi[self.hanzi_dist.sample(rng)]
    }

    /// An English-like paragraph of about `target` bytes: sentences of Zipf words, capitalized,
    /// with commas and a final period.
    fn english(&self, rng: &mut Rng, target: usize) -> String {
        let lo = target.div_ceil(220).max(1);
        let hi = (target / 45).clamp(lo, 8);
        let n = rng.range(lo as u64, hi as u64) as usize;
        let mut out = String::with_capacity(target + 16);
        for i in 0..n {
            let left = target.saturating_sub(out.len());
            let goal = if i + 1 == n { left } else { ((left / (n - i)) as f64 * (0.7 + 0.6 * rng.f64())) as usize };
            if i > 0 {
                out.push(' ');
            }
            let start = out.len();
            let mut words = 0;
            loop {
                let w = self.word(rng);
                if words >= 3 && out.len() - start + w.len() + 2 > goal {
                    break;
                }
                if words > 0 {
                    if rng.chance(0.07) {
                        out.push(',');
                    }
                    out.push(' ');
                    out.push_str(w);
                } else {
                    let mut cs = w.chars();
                    let first = cs.next().unwrap();
                    out.push(first.to_ascii_uppercase());
                    out.push_str(cs.as_str());
                }
                words += 1;
            }
            out.push('.');
        }
        out
    }

    /// A Chinese-like paragraph of about `target` characters: clauses of Zipf ideographs joined by
    /// ，、；： and ended by 。; with `latin`, a few Latin words among them.
    fn chinese(&self, rng: &mut Rng, target: usize, latin: bool) -> String {
        let mut out = String::with_capacity(target * 3 + 16);
        let mut chars = 0;
        while chars < target {
            let clauses = rng.range(1, 4);
            for c in 0..clauses {
                let len = rng.range(4, 20).min((target.saturating_sub(chars)).max(4) as u64);
                for k in 0..len {
                    if latin && k > 0 && rng.chance(0.02) {
                        let w = self.word(rng);
                        let w = if w.len() < 3 { &self.words[500 + rng.below(5000) as usize] } else { w };
                        out.push(' ');
                        if w.len() <= 4 && rng.chance(0.5) {
                            out.push_str(&w.to_ascii_uppercase());
                        } else {
                            let mut cs = w.chars();
                            out.push(cs.next().unwrap().to_ascii_uppercase());
                            out.push_str(cs.as_str());
                        }
                        out.push(' ');
                        chars += w.len() + 2;
                    }
                    out.push(self.ideograph(rng));
                }
                chars += len as usize + 1;
                if c + 1 == clauses {
                    out.push('。');
                } else {
                    let p = rng.f64();
                    out.push(if p < 0.7 {
                        '，'
                    } else if p < 0.85 {
                        '、'
                    } else if p < 0.95 {
                        '；'
                    } else {
                        '：'
                    });
                }
                if chars >= target {
                    if c + 1 != clauses {
                        out.pop();
                        out.push('。');
                    }
                    break;
                }
            }
        }
        out
    }
}

const FOOTER_EN: &str = "This document is part of a synthetic test corpus generated for the doublet benchmark. \
It may be copied, modified and redistributed under the terms of the licence that accompanies it; \
see the file named LICENSE for the details. The text is random and means nothing.";
const FOOTER_ZH: &str = "本文件为自动生成的测试语料，仅供重复段落检测程序的性能与正确性评估使用。\
未经许可，不得转载或用于其他用途；文中文字均为随机生成，并无实际含义。如有疑问，请联系语料维护人员。";

// ------------------------------------------------------------------------------------------ plan

#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Kind {
    En,
    Zh,
    ZhLatin,
}

/// An original paragraph: its script and length (bytes for English, characters for Chinese).
#[derive(Clone, Copy)]
struct Orig {
    kind: Kind,
    len: u16,
}

impl Orig {
    fn est_bytes(self) -> u64 {
        match self.kind {
            Kind::En => self.len as u64,
            _ => self.len as u64 * 3,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum EventKind {
    ExactPara,
    ExactBlock,
    NearPara,
    NearBlock,
}

struct Event {
    kind: EventKind,
    /// First original of the copied run (global original number).
    src: u32,
    len: u8,
}

#[derive(Clone, Copy)]
enum Slot {
    Orig(u32),
    Copy(u32),
    Footer,
}

struct FilePlan {
    slots: Vec<Slot>,
    /// Hard-wrap width in columns, 0 = one line per paragraph.
    wrap: usize,
}

struct Plan {
    origs: Vec<Orig>,
    events: Vec<Event>,
    files: Vec<FilePlan>,
    footer: &'static str,
}

const NONE: u32 = u32::MAX;

fn plan(a: &Args) -> Plan {
    let mut rng = Rng::new(mix(a.seed, STREAM_PLAN));
    let dup = a.dup_rate.clamp(0.0, 0.45);
    // Mean paragraphs per event, with the mix below.
    let mean_len = 0.35 * 1.0 + 0.15 * 3.5 + 0.35 * 1.0 + 0.15 * 3.0;
    // A free slot starts an event with probability p; an event is followed by one forced
    // original, so the share of copies is p·m / (1 + p·m).
    let p_event = if dup > 0.0 { dup / ((1.0 - dup) * mean_len) } else { 0.0 };

    // File sizes.
    let mut sizes = Vec::new();
    match a.files {
        Some(n) => {
            let n = n.max(1) as u64;
            for i in 0..n {
                sizes.push(a.size / n + u64::from(i < a.size % n));
            }
        }
        None => {
            let mut left = a.size;
            while left > 0 {
                let mut t = (rng.log_uniform(100.0 * 1024.0, 1024.0 * 1024.0) as u64).min(left);
                if left - t < 100 * 1024 {
                    t = left;
                }
                sizes.push(t);
                left -= t;
            }
        }
    }

    let footer = if a.lang == Lang::Zh { FOOTER_ZH } else { FOOTER_EN };
    let footer_bytes = footer.len() as u64 + 2;
    let mut st = State::default();
    let mut events: Vec<Event> = Vec::new();
    let mut files = Vec::with_capacity(sizes.len());

    for (f, &size) in sizes.iter().enumerate() {
        let has_footer = f % 10 == 0 && sizes.len() > 1;
        // Script of the file: mixed corpora have English files, Chinese files and files that
        // change script from paragraph to paragraph.
        let mode = match a.lang {
            Lang::En => Mode::En,
            Lang::Zh => Mode::Zh,
            Lang::Mixed => [Mode::En, Mode::Zh, Mode::Mixed][(rng.below(100) / 35).min(2) as usize],
        };
        let wrap = if rng.chance(0.5) { 0 } else { rng.range(60, 100) as usize };
        let first_g = st.origs.len() as u32;
        let mut slots: Vec<Slot> = Vec::new();
        let mut est = 0u64;
        let budget = size.saturating_sub(if has_footer { footer_bytes } else { 0 });
        while est < budget {
            let prev = match slots.last() {
                Some(Slot::Orig(g)) => Some(*g),
                _ => None,
            };
            if let Some(p) = prev.filter(|_| rng.chance(p_event)) {
                let r = rng.f64();
                let (kind, len) = if r < 0.35 {
                    (EventKind::ExactPara, 1)
                } else if r < 0.5 {
                    (EventKind::ExactBlock, rng.range(2, 5) as u32)
                } else if r < 0.85 {
                    (EventKind::NearPara, 1)
                } else {
                    (EventKind::NearBlock, rng.range(2, 4) as u32)
                };
                // The copy's left neighbour is never copied: the copy cannot extend left.
                st.protect(p);
                if let Some(g) = st.source(&mut rng, first_g, len) {
                    for i in 0..len {
                        st.protect(g + i);
                        est += st.origs[(g + i) as usize].est_bytes() + 2;
                    }
                    slots.push(Slot::Copy(events.len() as u32));
                    events.push(Event { kind, src: g, len: len as u8 });
                    // The copy's right neighbour is never copied either.
                    est += st.add(&mut rng, a.lang, mode, f as u32, &mut slots, true);
                    continue;
                }
            }
            est += st.add(&mut rng, a.lang, mode, f as u32, &mut slots, false);
        }
        if slots.is_empty() {
            st.add(&mut rng, a.lang, mode, f as u32, &mut slots, false);
        }
        if has_footer {
            slots.push(Slot::Footer);
        }
        files.push(FilePlan { slots, wrap });
    }
    Plan { origs: st.origs, events, files, footer }
}

#[derive(Clone, Copy)]
enum Mode {
    En,
    Zh,
    Mixed,
}

/// The planner's bookkeeping of originals.
#[derive(Default)]
struct State {
    origs: Vec<Orig>,
    file: Vec<u32>,
    slot: Vec<u32>,
    /// Originals that may still be copied, and where each is in that list (NONE: not eligible).
    eligible: Vec<u32>,
    pos: Vec<u32>,
}

impl State {
    /// Plans a new original at the end of `slots`; its estimated bytes (with the blank line).
    fn add(&mut self, rng: &mut Rng, lang: Lang, mode: Mode, file: u32, slots: &mut Vec<Slot>, protected: bool) -> u64 {
        let zh = match mode {
            Mode::En => false,
            Mode::Zh => true,
            Mode::Mixed => rng.chance(0.5),
        };
        let orig = if zh {
            let latin = lang == Lang::Mixed && rng.chance(0.15);
            Orig { kind: if latin { Kind::ZhLatin } else { Kind::Zh }, len: rng.log_uniform(62.0, 580.0) as u16 }
        } else {
            Orig { kind: Kind::En, len: rng.log_uniform(170.0, 1450.0) as u16 }
        };
        let g = self.origs.len() as u32;
        self.origs.push(orig);
        self.file.push(file);
        self.slot.push(slots.len() as u32);
        if protected {
            self.pos.push(NONE);
        } else {
            self.pos.push(self.eligible.len() as u32);
            self.eligible.push(g);
        }
        slots.push(Slot::Orig(g));
        orig.est_bytes() + 2
    }

    /// Takes `g` out of the originals that may be copied.
    fn protect(&mut self, g: u32) {
        let i = self.pos[g as usize];
        if i == NONE {
            return;
        }
        let last = *self.eligible.last().unwrap();
        self.eligible.swap_remove(i as usize);
        if last != g {
            self.pos[last as usize] = i;
        }
        self.pos[g as usize] = NONE;
    }

    /// The first of `len` consecutive originals of one file that may all be copied, if one is
    /// found in a few draws: a third of the time from the current file (its first original is
    /// `first_g`), else from anywhere before.
    fn source(&self, rng: &mut Rng, first_g: u32, len: u32) -> Option<u32> {
        for _ in 0..16 {
            if self.eligible.is_empty() {
                return None;
            }
            let here = self.origs.len() as u32 - first_g;
            let g = if here > len && rng.chance(0.3) {
                first_g + rng.below(here as u64) as u32
            } else {
                self.eligible[rng.below(self.eligible.len() as u64) as usize]
            };
            let ok = (0..len).all(|i| {
                let h = (g + i) as usize;
                h < self.origs.len()
                    && self.pos[h] != NONE
                    && self.file[h] == self.file[g as usize]
                    && self.slot[h] == self.slot[g as usize] + i
            });
            if ok {
                return Some(g);
            }
        }
        None
    }
}

// ------------------------------------------------------------------------------------ generation

/// The text of original `g` (one line, not wrapped).
fn original(lang: &Language, seed: u64, origs: &[Orig], g: u32) -> String {
    let mut rng = Rng::new(mix(mix(seed, STREAM_ORIG), g as u64));
    let o = origs[g as usize];
    match o.kind {
        Kind::En => lang.english(&mut rng, o.len as usize),
        Kind::Zh => lang.chinese(&mut rng, o.len as usize, false),
        Kind::ZhLatin => lang.chinese(&mut rng, o.len as usize, true),
    }
}

fn is_ideograph(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF)
}

/// What doublet's normalization keeps of our text: letters, lower-cased, and ideographs.
fn normalized(text: &str) -> Vec<char> {
    text.chars().filter(|c| c.is_ascii_alphabetic() || is_ideograph(*c)).map(|c| c.to_ascii_lowercase()).collect()
}

/// Jaccard index of the character 5-gram sets of two texts, as doublet computes it.
fn jaccard(a: &str, b: &str) -> f64 {
    let mut shingler = Shingler::default();
    let mut set = |t: &str| shingler.set(&normalized(t).into_iter().collect::<String>(), 5, 0);
    let (sa, sb) = (set(a), set(b));
    doublet::verify::jaccard(&sa, &sb)
}

/// Minimum character 5-gram Jaccard of a near copy with its original.
const NEAR_MIN_JACCARD: f64 = 0.82;

/// A near copy: 1–1.5 % of the letters and ideographs replaced by others, at least one, with the
/// Jaccard index of the two checked (fewer changes when it falls short; a single change that still
/// falls short, in a short paragraph, goes to the first letter, where it costs one shingle).
fn near_copy(lang: &Language, text: &str, rng: &mut Rng) -> (String, f64) {
    let chars: Vec<char> = text.chars().collect();
    let spots: Vec<usize> =
        (0..chars.len()).filter(|&i| chars[i].is_ascii_alphabetic() || is_ideograph(chars[i])).collect();
    let rate = 0.01 + 0.005 * rng.f64();
    let mut subs = ((spots.len() as f64 * rate).round() as usize).max(1);
    let mut edge = false;
    loop {
        let mut out = chars.clone();
        let mut picked = HashSet::new();
        while picked.len() < subs {
            picked.insert(if edge { spots[0] } else { spots[rng.below(spots.len() as u64) as usize] });
        }
        let mut picked: Vec<usize> = picked.into_iter().collect();
        picked.sort_unstable();
        for i in picked {
            let c = out[i];
            out[i] = if c.is_ascii_alphabetic() {
                let lower = c.to_ascii_lowercase();
                let mut r = lower;
                while r == lower {
                    r = (b'a' + rng.below(26) as u8) as char;
                }
                if c.is_ascii_uppercase() {
                    r.to_ascii_uppercase()
                } else {
                    r
                }
            } else {
                let mut r = c;
                while r == c {
                    r = lang.hanzi[rng.below(IDEOGRAPHS as u64) as usize];
                }
                r
            };
        }
        let copy: String = out.into_iter().collect();
        let j = jaccard(text, &copy);
        if edge || j >= NEAR_MIN_JACCARD {
            return (copy, j);
        }
        if subs == 1 {
            edge = true;
        } else {
            subs -= 1;
        }
    }
}

fn width(c: char) -> usize {
    if (c as u32) >= 0x1100 {
        2
    } else {
        1
    }
}

/// Appends a paragraph to `out`, hard-wrapped at `cols` columns: at spaces, or between two
/// ideographs.
fn push_wrapped(out: &mut String, text: &str, cols: usize) {
    let mut col = 0;
    // Where the line can break: the byte of a space, or the position before an ideograph.
    let mut brk: Option<(usize, bool)> = None;
    for c in text.chars() {
        if c == ' ' {
            brk = Some((out.len(), true));
        } else if is_ideograph(c) && col > 0 {
            brk = Some((out.len(), false));
        }
        out.push(c);
        col += width(c);
        if col > cols {
            if let Some((at, space)) = brk.take() {
                if space {
                    out.replace_range(at..at + 1, "\n");
                } else {
                    out.insert(at, '\n');
                }
                col = out[at + 1..].chars().map(width).sum();
            }
        }
    }
}

struct FileOut {
    bytes: u64,
    paragraphs: u64,
    hashes: Vec<(u128, u32)>,
    min_j: f64,
}

fn file_path(docs: &Path, f: usize, n: usize) -> PathBuf {
    if n > 1000 {
        docs.join(format!("{:03}", f / 1000)).join(format!("{f:06}.txt"))
    } else {
        docs.join(format!("{f:06}.txt"))
    }
}

fn write_file(lang: &Language, a: &Args, p: &Plan, f: usize, path: &Path) -> std::io::Result<FileOut> {
    let fp = &p.files[f];
    let est: u64 = fp
        .slots
        .iter()
        .map(|s| match *s {
            Slot::Orig(g) => p.origs[g as usize].est_bytes() + 2,
            Slot::Copy(e) => {
                let ev = &p.events[e as usize];
                (0..ev.len as u32).map(|i| p.origs[(ev.src + i) as usize].est_bytes() + 2).sum()
            }
            Slot::Footer => p.footer.len() as u64 + 2,
        })
        .sum();
    let mut text = String::with_capacity(est as usize * 11 / 10 + 1024);
    let mut norm = String::new();
    let mut res = FileOut { bytes: 0, paragraphs: 0, hashes: Vec::new(), min_j: 1.0 };
    let mut push = |text: &mut String, para: &str| {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        if fp.wrap > 0 {
            push_wrapped(text, para, fp.wrap);
        } else {
            text.push_str(para);
        }
        res.paragraphs += 1;
    };
    for slot in &fp.slots {
        match *slot {
            Slot::Orig(g) => {
                let para = original(lang, a.seed, &p.origs, g);
                norm.clear();
                norm.extend(
                    para.chars()
                        .filter(|c| c.is_ascii_alphabetic() || is_ideograph(*c))
                        .map(|c| c.to_ascii_lowercase()),
                );
                res.hashes.push((xxhash_rust::xxh3::xxh3_128(norm.as_bytes()), g));
                push(&mut text, &para);
            }
            Slot::Copy(e) => {
                let ev = &p.events[e as usize];
                let mut rng = Rng::new(mix(mix(a.seed, STREAM_NEAR), e as u64));
                for i in 0..ev.len as u32 {
                    let para = original(lang, a.seed, &p.origs, ev.src + i);
                    match ev.kind {
                        EventKind::ExactPara | EventKind::ExactBlock => push(&mut text, &para),
                        EventKind::NearPara | EventKind::NearBlock => {
                            let (copy, j) = near_copy(lang, &para, &mut rng);
                            res.min_j = res.min_j.min(j);
                            push(&mut text, &copy);
                        }
                    }
                }
            }
            Slot::Footer => push(&mut text, p.footer),
        }
    }
    text.push('\n');
    fs::write(path, &text)?;
    res.bytes = text.len() as u64;
    Ok(res)
}

fn main() {
    let a = Args::parse();
    if let Err(e) = run(&a) {
        eprintln!("gen-corpus: {e}");
        std::process::exit(2);
    }
}

fn run(a: &Args) -> Result<(), String> {
    let t0 = Instant::now();
    let lang = Language::new();
    let p = plan(a);
    let t_plan = t0.elapsed().as_secs_f64();

    let docs = a.out.join("docs");
    let marker = docs.join(".gen-corpus");
    if docs.exists() {
        let empty = fs::read_dir(&docs).map_err(|e| format!("{}: {e}", docs.display()))?.next().is_none();
        if !empty && !marker.exists() {
            return Err(format!("{} exists and was not written by gen-corpus; not touching it", docs.display()));
        }
        fs::remove_dir_all(&docs).map_err(|e| format!("{}: {e}", docs.display()))?;
    }
    let _ = fs::remove_file(a.out.join("expected.json"));
    fs::create_dir_all(&docs).map_err(|e| format!("{}: {e}", docs.display()))?;
    fs::write(&marker, "written by examples/gen-corpus.rs; removed and rewritten by it\n")
        .map_err(|e| e.to_string())?;
    let n = p.files.len();
    for d in (0..n).step_by(1000) {
        if let Some(parent) = file_path(&docs, d, n).parent() {
            fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
    }

    let outs: Vec<FileOut> = (0..n)
        .into_par_iter()
        .map(|f| {
            let path = file_path(&docs, f, n);
            write_file(&lang, a, &p, f, &path).map_err(|e| format!("{}: {e}", path.display()))
        })
        .collect::<Result<_, _>>()?;
    let elapsed = t0.elapsed().as_secs_f64();

    let bytes: u64 = outs.iter().map(|o| o.bytes).sum();
    let paragraphs: u64 = outs.iter().map(|o| o.paragraphs).sum();
    let min_j = outs.iter().map(|o| o.min_j).fold(1.0, f64::min);
    // Every original must be unique (after normalization), or it is an unplanned duplicate.
    let mut hashes: Vec<(u128, u32)> = outs.into_iter().flat_map(|o| o.hashes).collect();
    hashes.sort_unstable();
    if let Some(w) = hashes.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(format!("originals {} and {} have the same normalized text; try another --seed", w[0].1, w[1].1));
    }

    let count = |k: EventKind| p.events.iter().filter(|e| e.kind == k).count();
    let (ep, eb, np, nb) = (
        count(EventKind::ExactPara),
        count(EventKind::ExactBlock),
        count(EventKind::NearPara),
        count(EventKind::NearBlock),
    );
    let footers = p.files.iter().filter(|f| matches!(f.slots.last(), Some(Slot::Footer))).count();
    let boilerplate = usize::from(footers >= 2);
    let copies: u64 = p.events.iter().map(|e| e.len as u64).sum();
    let expected = serde_json::json!({
        "seed": a.seed,
        "bytes": bytes,
        "files": n,
        "paragraphs": paragraphs,
        "events": {
            "exact_para": ep,
            "exact_block": eb,
            "near_para": np,
            "near_block": nb,
            "boilerplate": boilerplate,
        },
        "expected_findings": ep + eb + np + nb + boilerplate,
        "expected_exact_findings": ep + eb + boilerplate,
        "expected_near_findings": np + nb,
        "copied_paragraphs": copies,
        "boilerplate_copies": footers,
        "near_min_jaccard": (min_j * 1000.0).floor() / 1000.0,
        "options": {
            "size": a.size,
            "files": a.files,
            "lang": format!("{:?}", a.lang).to_lowercase(),
            "dup_rate": a.dup_rate,
        },
    });
    let json = serde_json::to_string_pretty(&expected).unwrap() + "\n";
    fs::write(a.out.join("expected.json"), json).map_err(|e| e.to_string())?;
    eprintln!(
        "gen-corpus: {} files, {:.1} MiB, {} paragraphs ({} planted copies in {} events, {} boilerplate), \
         {} expected findings; {:.2} s (plan {:.2} s), {:.0} MiB/s",
        n,
        bytes as f64 / 1048576.0,
        paragraphs,
        copies,
        p.events.len(),
        footers,
        ep + eb + np + nb + boilerplate,
        elapsed,
        t_plan,
        bytes as f64 / 1048576.0 / elapsed
    );
    Ok(())
}
