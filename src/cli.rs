//! Command-line interface: clap definitions and their translation into
//! library parameters, validated once.

use std::ffi::OsString;

use clap::{Args, Parser, Subcommand, ValueEnum};

use doublet::lsh::Banding;
use doublet::scan::{self, Method, Params};

#[derive(Parser, Debug)]
#[command(
    name = "doublet",
    version,
    about = "Find duplicate and near-duplicate passages in text and say exactly where every copy is",
    after_help = "Exit status: 0 no duplicates, 1 duplicates found, 2 an error happened."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan files, directories (recursively) and standard input (`-`) for
    /// repeated paragraphs and blocks of paragraphs.
    #[command(after_help = "Exit status: 0 no duplicates, 1 duplicates found, 2 an error happened \
        (also when other files were scanned fine).")]
    Scan(ScanArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable: one block per finding, `path:line:col-line:col` per copy.
    Text,
    /// JSON Lines: begin, one line per finding, summary.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Check {
    /// Paragraphs cut in two by a stray blank line (page and column breaks).
    Breaks,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// Colour when stdout is a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    /// One-permutation MinHash + LSH banding: any threshold.
    Minhash,
    /// 64-bit SimHash + permuted tables: close near-duplicates only.
    Simhash,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<OsString>,

    /// Report format.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Minimum Jaccard similarity of two paragraphs' shingle sets, verified
    /// exactly, for a near-duplicate.
    #[arg(short, long, default_value_t = scan::DEFAULT_THRESHOLD, value_name = "J")]
    pub threshold: f64,

    /// Shingle length in normalized characters.
    #[arg(long, default_value_t = scan::DEFAULT_NGRAM, value_name = "N")]
    pub ngram: usize,

    /// Paragraphs with fewer normalized characters (letters, digits,
    /// ideographs; no spaces or punctuation) are not matched.
    #[arg(long, default_value_t = scan::DEFAULT_MIN_CHARS, value_name = "N")]
    pub min_chars: usize,

    /// Near-duplicate candidate method.
    #[arg(long, value_enum, default_value_t = MethodArg::Minhash)]
    pub method: MethodArg,

    /// MinHash slots per paragraph.
    #[arg(long, default_value_t = scan::DEFAULT_NUM_PERM, value_name = "K")]
    pub num_perm: usize,

    /// LSH bands (with --rows); by default chosen for 99% recall at the threshold.
    #[arg(long, requires = "rows", value_name = "B")]
    pub bands: Option<usize>,

    /// LSH rows per band (with --bands).
    #[arg(long, requires = "bands", value_name = "R")]
    pub rows: Option<usize>,

    /// Maximum Hamming distance of SimHash candidates (--method simhash).
    #[arg(long, default_value_t = scan::DEFAULT_SIMHASH_DISTANCE, value_name = "D")]
    pub simhash_distance: u32,

    /// Match only at the threshold. By default paragraphs down to 0.2 below it
    /// also match when their differences look like OCR noise: scattered
    /// misread, dropped or extra characters, never a changed word or number.
    #[arg(long)]
    pub strict: bool,

    /// Hash seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,

    /// Every non-blank line is a paragraph (instead of blocks of lines
    /// separated by blank lines).
    #[arg(long)]
    pub lines: bool,

    /// Scan files that look binary (a NUL byte in the first 8 KiB) instead of
    /// skipping them.
    #[arg(long)]
    pub binary: bool,

    /// Also report layout problems; they count as findings for the exit status.
    #[arg(long, value_enum, value_name = "CHECK")]
    pub check: Vec<Check>,

    /// Leave out of matching what this regular expression matches inside a
    /// paragraph (bylines, mastheads); `^`/`$` match at every line. Repeatable.
    #[arg(long = "ignore-pattern", value_name = "REGEX")]
    pub ignore_patterns: Vec<String>,

    /// Worker threads (default: one per core).
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// No progress bar, notes or summary on stderr (errors are still shown).
    #[arg(short, long)]
    pub quiet: bool,

    /// When to colour the text report.
    #[arg(long, value_enum, default_value_t = Color::Auto, value_name = "WHEN")]
    pub color: Color,
}

impl ScanArgs {
    /// The library parameters, validated.
    pub fn params(&self) -> Result<Params, String> {
        let p = Params {
            method: match self.method {
                MethodArg::Minhash => Method::Minhash,
                MethodArg::Simhash => Method::Simhash,
            },
            threshold: self.threshold,
            ngram: self.ngram,
            min_chars: self.min_chars,
            num_perm: self.num_perm,
            banding: self.bands.zip(self.rows).map(|(bands, rows)| Banding { bands, rows }),
            simhash_distance: self.simhash_distance,
            seed: self.seed,
            lines: self.lines,
            binary: self.binary,
            check_breaks: self.check.contains(&Check::Breaks),
            ocr: !self.strict,
            ignore_patterns: self.ignore_patterns.clone(),
            ..Params::default()
        };
        p.validate()?;
        Ok(p)
    }
}
