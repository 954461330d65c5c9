DROP TABLE workload_snapshot_totals;
