"""s3fs / fsspec, the way pandas and Dask users reach S3: s3://bucket/key URLs + storage_options."""

import pandas as pd
import pytest

from conftest import random_bytes

MIB = 1024 * 1024


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "city": ["Lisbon", "Oslo", "Zürich", "Kyoto"] * 25,
            "year": [2021, 2022, 2023, 2024] * 25,
            "value": [float(i) / 7 for i in range(100)],
        }
    )


def test_pandas_writes_and_reads_a_csv_through_s3fs(bucket, storage_options):
    df = frame()
    url = f"s3://{bucket}/tables/cities.csv"
    df.to_csv(url, index=False, storage_options=storage_options)
    back = pd.read_csv(url, storage_options=storage_options)
    pd.testing.assert_frame_equal(back, df)


def test_pandas_writes_and_reads_parquet_through_s3fs(bucket, storage_options):
    df = frame()
    url = f"s3://{bucket}/tables/cities.parquet"
    df.to_parquet(url, index=False, engine="pyarrow", storage_options=storage_options)
    back = pd.read_parquet(url, engine="pyarrow", storage_options=storage_options)
    pd.testing.assert_frame_equal(back, df)


def test_s3fs_ls_info_and_exists_see_files_and_folders(bucket, s3fs_fs):
    fs = s3fs_fs
    fs.pipe(f"{bucket}/a/one.txt", b"1")
    fs.pipe(f"{bucket}/a/two.txt", b"22")
    fs.pipe(f"{bucket}/a/sub/three.txt", b"333")
    fs.pipe(f"{bucket}/top.txt", b"top")

    assert sorted(fs.ls(f"{bucket}/a", detail=False)) == [
        f"{bucket}/a/one.txt",
        f"{bucket}/a/sub",
        f"{bucket}/a/two.txt",
    ]
    assert sorted(fs.ls(bucket, detail=False)) == [f"{bucket}/a", f"{bucket}/top.txt"]
    assert fs.info(f"{bucket}/a/two.txt")["size"] == 2
    assert fs.info(f"{bucket}/a/sub")["type"] == "directory"
    assert fs.exists(f"{bucket}/a/one.txt") and not fs.exists(f"{bucket}/a/none.txt")
    assert sorted(fs.find(f"{bucket}/a")) == [
        f"{bucket}/a/one.txt",
        f"{bucket}/a/sub/three.txt",
        f"{bucket}/a/two.txt",
    ]
    assert fs.cat(f"{bucket}/a/sub/three.txt") == b"333"
    assert fs.cat_file(f"{bucket}/top.txt", start=1, end=3) == b"op"


def test_s3fs_rm_of_a_file_and_of_a_folder_recursively(bucket, s3fs_fs):
    fs = s3fs_fs
    for i in range(5):
        fs.pipe(f"{bucket}/gone/{i}.txt", b"x" * i)
    fs.pipe(f"{bucket}/kept.txt", b"kept")
    fs.rm(f"{bucket}/gone/0.txt")
    assert not fs.exists(f"{bucket}/gone/0.txt")
    fs.rm(f"{bucket}/gone", recursive=True)  # one DeleteObjects for the rest
    fs.invalidate_cache()
    assert fs.ls(bucket, detail=False) == [f"{bucket}/kept.txt"]


def test_s3fs_writes_a_large_file_in_multipart_blocks(bucket, s3fs_fs):
    fs = s3fs_fs
    data = random_bytes(12 * MIB + 5, 7)
    with fs.open(f"{bucket}/big/blob.bin", "wb", block_size=5 * MIB) as f:
        for i in range(0, len(data), 1 * MIB):
            f.write(data[i : i + 1 * MIB])
    assert fs.info(f"{bucket}/big/blob.bin")["ETag"].strip('"').endswith("-3")
    with fs.open(f"{bucket}/big/blob.bin", "rb", block_size=2 * MIB) as f:
        f.seek(6 * MIB)
        assert f.read(1000) == data[6 * MIB : 6 * MIB + 1000]
    assert fs.cat(f"{bucket}/big/blob.bin") == data


def test_s3fs_copy_and_move_within_the_bucket(bucket, s3fs_fs):
    fs = s3fs_fs
    fs.pipe(f"{bucket}/src.txt", b"payload")
    fs.copy(f"{bucket}/src.txt", f"{bucket}/copy.txt")  # CopyObject
    fs.mv(f"{bucket}/copy.txt", f"{bucket}/moved/copy.txt")
    fs.invalidate_cache()
    assert fs.cat(f"{bucket}/moved/copy.txt") == b"payload"
    assert not fs.exists(f"{bucket}/copy.txt")
    assert fs.cat(f"{bucket}/src.txt") == b"payload"
