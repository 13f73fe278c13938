#!/usr/bin/env python3
"""Candidate pairs and groups of duplicate paragraphs, on Apache Spark.

Reads the tables `doublet sketch --out SKETCH` wrote and makes the candidate
pairs a `doublet scan` makes on one machine, with the DataFrame API only (no
extra jars):

1. LSH buckets: rows of the bands table grouped by (band, band_hash); a bucket's
   members in ascending exact group, each paired with the next
   `bucket_all_pairs` (64) members -- every pair of a bucket of up to 65, a
   sliding window beyond, exactly as doublet's lsh::pairs_of_bucket.
   Pairs from several bands are made once (distinct).
2. Verification by the sketches the paragraphs table carries: a pair is kept
   when at least `min_equal_slots` of its two sketches' slots are equal, the
   sketch estimate a scan filters its candidates with. Exact Jaccard and the
   OCR-noise test need the normalized texts; `doublet blocks` does them on the
   kept pairs only, with scan's own code.

   Tables of `doublet sketch --method simhash` hold a 64-bit fingerprint per
   exact group instead, and one "band" per permuted table (its hash is the
   fingerprint's bits under the table's mask): every pair of a bucket is a
   candidate, as in simhash.rs, and kept when the two fingerprints are within
   `simhash_distance` bits.
3. Connected components of the kept pairs by iterative min-label propagation
   (with a shortcut step: a label takes its own label's label), each round
   checkpointed, until no label changes.

Writes OUT/edges (a, b: exact groups, a < b), OUT/groups (key: paragraph key,
exact_group, group: least exact group of its component; paragraphs with a copy
or a kept pair only) as Parquet, and OUT/settings (the sketch's settings, one
JSON line) for `doublet blocks --groups OUT`. Each has Spark's _SUCCESS
marker when complete.

    spark-submit spark/doublet_groups.py --sketch SKETCH --out OUT
    python spark/doublet_groups.py --sketch SKETCH --out OUT --master 'local[2]'
"""

import argparse
import json
import sys
import time

from pyspark.sql import SparkSession, Window
from pyspark.sql import functions as F

FORMAT = 1


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sketch", required=True, help="directory written by doublet sketch --out")
    ap.add_argument("--out", required=True, help="output directory (replaced)")
    ap.add_argument("--master", help="Spark master, e.g. local[2] (default: spark-submit's)")
    ap.add_argument("--partitions", type=int, help="spark.sql.shuffle.partitions")
    ap.add_argument(
        "--bands-per-pass",
        type=int,
        help="pair this many bands at a time, each pass materialized before the next (default: all at once)",
    )
    ap.add_argument("--max-rounds", type=int, default=1000, help="give up after this many propagation rounds")
    return ap.parse_args(argv)


def read_settings(spark, sketch):
    text = spark.read.text(f"{sketch}/settings.json", wholetext=True).first()[0].strip()
    settings = json.loads(text)
    if settings.get("format") != FORMAT:
        sys.exit(f"{sketch}/settings.json: table format {settings.get('format')}, this job reads {FORMAT}")
    if settings.get("method") not in ("minhash", "simhash"):
        sys.exit(f"{sketch}/settings.json: method {settings.get('method')}, this job knows minhash and simhash")
    return text, settings


def candidate_pairs(bands, window):
    """Pairs (a, b), a < b, of exact groups sharing a bucket, as lsh.rs makes them."""
    bucket = Window.partitionBy("band", "band_hash")
    ranked = (
        bands.withColumn("size", F.count("*").over(bucket))
        .where("size > 1")
        .withColumn("rank", F.row_number().over(bucket.orderBy("exact_group")))
    )
    left = ranked.where("rank < size").select(
        "band",
        "band_hash",
        F.col("exact_group").alias("a"),
        F.explode(F.sequence(F.col("rank") + 1, F.least(F.col("rank") + window, F.col("size")))).alias("rank"),
    )
    right = ranked.select("band", "band_hash", "rank", F.col("exact_group").alias("b"))
    return left.join(right, ["band", "band_hash", "rank"]).select("a", "b").distinct()


def all_pairs(bands):
    """Pairs (a, b), a < b, of exact groups sharing a bucket: every pair, as simhash.rs makes them."""
    left = bands.select("band", "band_hash", F.col("exact_group").alias("a"))
    right = bands.select("band", "band_hash", F.col("exact_group").alias("b"))
    return left.join(right, ["band", "band_hash"]).where("a < b").select("a", "b").distinct()


def within_distance(pairs, paragraphs, distance):
    """The pairs whose fingerprints differ in at most `distance` bits."""
    fingerprints = paragraphs.where("representative").select("exact_group", "fingerprint")
    fa = fingerprints.withColumnRenamed("exact_group", "a").withColumnRenamed("fingerprint", "fa")
    fb = fingerprints.withColumnRenamed("exact_group", "b").withColumnRenamed("fingerprint", "fb")
    return (
        pairs.join(fa, "a").join(fb, "b").where(F.expr("bit_count(fa ^ fb)") <= distance).select("a", "b")
    )


def verified(pairs, paragraphs, min_equal):
    """The pairs whose sketches have at least `min_equal` equal slots."""
    sketches = paragraphs.where("representative").select("exact_group", "sketch")
    sa = sketches.withColumnRenamed("exact_group", "a").withColumnRenamed("sketch", "sa")
    sb = sketches.withColumnRenamed("exact_group", "b").withColumnRenamed("sketch", "sb")
    equal = F.aggregate(
        F.zip_with("sa", "sb", lambda x, y: F.when(x == y, 1).otherwise(0)), F.lit(0), lambda acc, x: acc + x
    )
    return pairs.join(sa, "a").join(sb, "b").where(equal >= min_equal).select("a", "b")


def components(edges, max_rounds):
    """(id, label): every node of `edges` with the least node of its component."""
    both = edges.select(F.col("a").alias("src"), F.col("b").alias("dst")).union(
        edges.select(F.col("b").alias("src"), F.col("a").alias("dst"))
    )
    both = both.localCheckpoint()
    labels = both.select(F.col("src").alias("id")).distinct().withColumn("label", F.col("id")).localCheckpoint()
    rounds = 0
    while True:
        rounds += 1
        if rounds > max_rounds:
            sys.exit(f"labels still change after {max_rounds} rounds (--max-rounds)")
        proposed = both.join(labels.withColumnRenamed("id", "src"), "src").select(F.col("dst").alias("id"), "label")
        spread = labels.union(proposed).groupBy("id").agg(F.min("label").alias("label"))
        # Shortcut: a node takes the label of its label, which halves long chains.
        hop = spread.select(F.col("id").alias("label"), F.col("label").alias("hop"))
        new = (
            spread.join(hop, "label", "left")
            .select("id", F.least("label", F.coalesce("hop", "label")).alias("label"))
            .localCheckpoint()
        )
        changed = new.join(labels.withColumnRenamed("label", "old"), "id").where("label != old").count()
        labels = new
        if changed == 0:
            return labels, rounds


def main(argv):
    args = parse_args(argv)
    builder = SparkSession.builder.appName("doublet-groups").config("spark.ui.showConsoleProgress", "false")
    if args.master:
        builder = builder.master(args.master)
    if args.partitions:
        builder = builder.config("spark.sql.shuffle.partitions", str(args.partitions))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    started = time.time()
    lap = {"at": started}

    def timed(name):
        now = time.time()
        print(f"doublet_groups: {name} {now - lap['at']:.1f} s", file=sys.stderr)
        lap["at"] = now

    settings_text, settings = read_settings(spark, args.sketch)
    paragraphs = spark.read.parquet(f"{args.sketch}/paragraphs")
    bands = spark.read.parquet(f"{args.sketch}/bands")

    simhash = settings["method"] == "simhash"
    n_bands = settings["tables"] if simhash else settings["bands"]
    step = args.bands_per_pass or n_bands
    passes = []
    for lo in range(0, n_bands, step):
        part = bands.where((F.col("band") >= lo) & (F.col("band") < lo + step))
        pairs = all_pairs(part) if simhash else candidate_pairs(part, settings["bucket_all_pairs"])
        passes.append(pairs.localCheckpoint())
    pairs = passes[0]
    for p in passes[1:]:
        pairs = pairs.union(p)
    pairs = pairs.distinct().localCheckpoint()
    n_pairs = pairs.count()
    timed(f"candidates: {n_pairs} pairs")
    if simhash:
        edges = within_distance(pairs, paragraphs, settings["simhash_distance"]).localCheckpoint()
    else:
        edges = verified(pairs, paragraphs, settings["min_equal_slots"]).localCheckpoint()
    n_edges = edges.count()
    edges.write.mode("overwrite").parquet(f"{args.out}/edges")
    timed(f"verified by {'fingerprint' if simhash else 'sketch'}: {n_edges} pairs")

    labels, rounds = components(edges, args.max_rounds)
    items = paragraphs.select("key", "exact_group")
    grouped = items.join(labels.withColumnRenamed("id", "exact_group"), "exact_group", "left").select(
        "key", "exact_group", F.coalesce("label", "exact_group").alias("group")
    )
    sizes = grouped.groupBy("group").count().where("count > 1").select("group")
    groups = grouped.join(sizes, "group").select("key", "exact_group", "group")
    groups.write.mode("overwrite").parquet(f"{args.out}/groups")
    n_groups = spark.read.parquet(f"{args.out}/groups").select("group").distinct().count()
    timed(f"components: {n_groups} groups in {rounds} rounds")

    spark.createDataFrame([(settings_text,)], ["value"]).coalesce(1).write.mode("overwrite").text(
        f"{args.out}/settings"
    )
    print(
        f"doublet_groups: {n_pairs} candidate pairs, {n_edges} kept, {n_groups} groups, {rounds} rounds, "
        f"{time.time() - started:.1f} s",
        file=sys.stderr,
    )
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
