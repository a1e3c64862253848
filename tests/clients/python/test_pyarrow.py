"""pyarrow's own S3FileSystem (the AWS SDK for C++ inside Arrow) with pyarrow.dataset."""

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest


@pytest.fixture(scope="module")
def arrow_fs(server):
    fs = pafs.S3FileSystem(
        access_key=server.creds.access_key,
        secret_key=server.creds.secret_key,
        endpoint_override=f"{server.host}:{server.port}",
        scheme="http",
        region="us-east-1",
        force_virtual_addressing=False,
        connect_timeout=5,
        request_timeout=60,
        retry_strategy=pafs.AwsStandardS3RetryStrategy(max_attempts=1),
    )
    return fs


def table() -> pa.Table:
    n = 3000
    return pa.table(
        {
            "year": pa.array([2022 + i % 3 for i in range(n)], pa.int32()),
            "country": pa.array([["pt", "no", "jp", "ch"][i % 4] for i in range(n)]),
            "id": pa.array(range(n), pa.int64()),
            "amount": pa.array([i * 0.25 for i in range(n)]),
        }
    )


def test_pyarrow_dataset_writes_and_reads_a_hive_partitioned_parquet_dataset(bucket, arrow_fs):
    t = table()
    base = f"{bucket}/sales"
    ds.write_dataset(
        t,
        base,
        format="parquet",
        partitioning=["year", "country"],
        partitioning_flavor="hive",
        filesystem=arrow_fs,
        existing_data_behavior="overwrite_or_ignore",
    )
    files = [
        f.path
        for f in arrow_fs.get_file_info(pafs.FileSelector(base, recursive=True))
        if f.type == pafs.FileType.File
    ]
    assert len(files) == 12, files  # 3 years x 4 countries
    assert all("/year=" in p and "/country=" in p and p.endswith(".parquet") for p in files)

    dataset = ds.dataset(base, format="parquet", partitioning="hive", filesystem=arrow_fs)
    back = dataset.to_table().sort_by("id")
    assert back.num_rows == t.num_rows
    assert back.column("id").to_pylist() == t.column("id").to_pylist()
    assert back.column("amount").to_pylist() == t.column("amount").to_pylist()

    # Partition pruning: only the year=2023/country=jp files are read.
    only = dataset.to_table(filter=(pc.field("year") == 2023) & (pc.field("country") == "jp"))
    expected = [i for i in range(3000) if 2022 + i % 3 == 2023 and i % 4 == 2]
    assert sorted(only.column("id").to_pylist()) == expected


def test_pyarrow_overwrites_a_dataset_and_deletes_its_folder(bucket, arrow_fs):
    base = f"{bucket}/snap"
    t = table()
    ds.write_dataset(t, base, format="parquet", filesystem=arrow_fs)
    ds.write_dataset(
        t.slice(0, 10), base, format="parquet", filesystem=arrow_fs,
        existing_data_behavior="delete_matching",
    )
    assert ds.dataset(base, format="parquet", filesystem=arrow_fs).count_rows() == 10
    arrow_fs.delete_dir(base)
    assert arrow_fs.get_file_info(base).type == pafs.FileType.NotFound


def test_pyarrow_parquet_file_round_trip_and_directory_markers(bucket, arrow_fs):
    arrow_fs.create_dir(f"{bucket}/empty/folder")  # pyarrow writes an empty `folder/` marker
    assert arrow_fs.get_file_info(f"{bucket}/empty/folder").type == pafs.FileType.Directory
    pq.write_table(table(), f"{bucket}/one/file.parquet", filesystem=arrow_fs)
    back = pq.read_table(f"{bucket}/one/file.parquet", filesystem=arrow_fs)
    assert back.equals(table())
    with arrow_fs.open_input_file(f"{bucket}/one/file.parquet") as f:
        assert f.size() > 0
        f.seek(0)
        assert f.read(4) == b"PAR1"
    arrow_fs.copy_file(f"{bucket}/one/file.parquet", f"{bucket}/one/copy.parquet")
    arrow_fs.move(f"{bucket}/one/copy.parquet", f"{bucket}/two/moved.parquet")
    assert pq.read_table(f"{bucket}/two/moved.parquet", filesystem=arrow_fs).equals(table())
    assert arrow_fs.get_file_info(f"{bucket}/one/copy.parquet").type == pafs.FileType.NotFound
