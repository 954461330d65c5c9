use cairn_db::testing::TestDb;
use cairn_db::{both_backends, sequences};

both_backends!(concurrent_reservations_never_overlap, |db: TestDb| {
    let pool = db.pool();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let pool = pool.clone();
            std::thread::spawn(move || {
                let mut got = Vec::new();
                for _ in 0..50 {
                    let mut conn = pool.get().expect("connection");
                    let first = conn
                        .write(|c| sequences::reserve(c, "person_local_id", 3))
                        .expect("reserve");
                    got.push(first);
                }
                got
            })
        })
        .collect();
    let mut all: Vec<i64> = handles
        .into_iter()
        .flat_map(|h| h.join().expect("thread"))
        .collect();
    all.sort();
    assert_eq!(all.len(), 200);
    for pair in all.windows(2) {
        assert_eq!(
            pair[1] - pair[0],
            3,
            "blocks of three never overlap: {pair:?}"
        );
    }
    assert_eq!(all[0], 1);
});
