//! The journal's contract, one suite over `&dyn Journal`, run against SQLite and PostgreSQL
//! (PostgreSQL when `REFUNDWIRE_TEST_POSTGRES` names a server; skipped with a note otherwise).

// Test code: a panic is a test failure.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
mod journal_support;

use journal_support::{postgres_url, sqlite_path};
use refundwire_std::Operation;
use refundwire_std::RefundRequest;
use refundwire_std::codec::money::{Currency, Money};
use refundwire_std::journal::{
    self, Applied, Journal, Key, PostgresJournal, Registration, Reply, Settlement, SqliteJournal,
    State,
};

fn refund(id: &str, minor: u64) -> RefundRequest {
    RefundRequest::new(
        format!("ORDER-{id}"),
        id,
        Money::new(minor, Currency::from_code("USD").unwrap()),
    )
}

fn settled(state: State, code: &str) -> Settlement {
    Settlement {
        state,
        gateway_refund_id: Some("G-1".into()),
        code: code.into(),
        message: String::new(),
        next_check_ms: None,
    }
}

/// Registering: new, the same again, and another request under the same number.
fn registers_and_refuses_a_reused_number(j: &dyn Journal) {
    let a = journal::new_refund("payermax", &refund("R1", 1050));
    let b = journal::new_refund("payermax", &refund("R2", 200));
    let out = j.register(&[a.clone(), b.clone()], 1_000).unwrap();
    assert!(matches!(&out[0], Registration::New(r) if r.state == State::Planned));
    assert!(matches!(&out[1], Registration::New(_)));
    assert_eq!(out[0].record().request, a.request);
    assert_eq!(out[0].record().fingerprint, a.fingerprint);
    assert_eq!(out[0].record().created_ms, 1_000);

    let again = j.register(std::slice::from_ref(&a), 2_000).unwrap();
    assert!(matches!(&again[0], Registration::Existing(r) if r.created_ms == 1_000));

    let other = journal::new_refund("payermax", &refund("R1", 1051));
    let conflict = j.register(&[other], 3_000).unwrap();
    match &conflict[0] {
        Registration::Conflict(r) => assert_eq!(r.fingerprint, a.fingerprint),
        other => panic!("expected a conflict, got {other:?}"),
    }
    // Nothing of the conflicting request was written.
    let stored = j.get(&a.key).unwrap().unwrap();
    assert_eq!(stored.request, a.request);
    assert_eq!(stored.updated_ms, 1_000);
    // The same number at another gateway is another refund.
    let elsewhere = journal::new_refund("newpay", &refund("R1", 1051));
    assert!(matches!(
        &j.register(&[elsewhere], 4_000).unwrap()[0],
        Registration::New(_)
    ));
    let keys: Vec<String> = j
        .list(Some("payermax"))
        .unwrap()
        .iter()
        .map(|r| r.key.refund_id.clone())
        .collect();
    assert_eq!(keys, ["R1", "R2"]);
    assert_eq!(j.list(None).unwrap().len(), 3);
    assert!(j.get(&Key::new("payermax", "R9")).unwrap().is_none());
}

/// Intent before sending, the answer after, each with its raw bytes and times.
fn commits_intent_then_answer(j: &dyn Journal) {
    let new = journal::new_refund("ottpay", &refund("R1", 500));
    j.register(std::slice::from_ref(&new), 10).unwrap();
    let claim = j.claim(&new.key).unwrap().unwrap();
    assert_eq!(claim.record.state, State::Planned);

    let id = j
        .begin_exchange(&claim, Operation::Refund, b"POST /refund\r\n\r\n{}", 20)
        .unwrap();
    let r = j.get(&new.key).unwrap().unwrap();
    assert_eq!(
        (r.state, r.attempts, r.updated_ms),
        (State::InFlight, 1, 20)
    );

    j.finish_exchange(&claim, id, Reply::Failed("reset after sending"), None, 25)
        .unwrap();
    assert_eq!(j.get(&new.key).unwrap().unwrap().state, State::InFlight);

    let q = j
        .begin_exchange(&claim, Operation::Status, b"POST /query", 30)
        .unwrap();
    assert!(q > id);
    let r = j.get(&new.key).unwrap().unwrap();
    assert_eq!(
        (r.state, r.attempts),
        (State::InFlight, 1),
        "a query is no attempt"
    );
    j.finish_exchange(
        &claim,
        q,
        Reply::Answer(b"HTTP/1.1 200 OK\r\n\r\n{\"ok\":1}"),
        Some(&settled(State::Succeeded, "SUCCESS")),
        40,
    )
    .unwrap();
    j.release(claim).unwrap();

    let r = j.get(&new.key).unwrap().unwrap();
    assert_eq!(r.state, State::Succeeded);
    assert_eq!(r.gateway_refund_id.as_deref(), Some("G-1"));
    assert_eq!(r.code, "SUCCESS");
    let xs = j.exchanges(&new.key).unwrap();
    assert_eq!(xs.len(), 2);
    assert_eq!(xs[0].operation, Operation::Refund);
    assert_eq!(xs[0].request, b"POST /refund\r\n\r\n{}");
    assert_eq!((xs[0].sent_ms, xs[0].answered_ms), (20, Some(25)));
    assert_eq!(xs[0].answer, None);
    assert_eq!(xs[0].error.as_deref(), Some("reset after sending"));
    assert_eq!(xs[1].operation, Operation::Status);
    assert_eq!(
        xs[1].answer.as_deref(),
        Some(&b"HTTP/1.1 200 OK\r\n\r\n{\"ok\":1}"[..])
    );
    assert_eq!(xs[1].error, None);
}

/// One worker at a time; a claim given back (or taken over) writes nothing more.
fn claims_are_exclusive_and_fenced(j: &dyn Journal) {
    let new = journal::new_refund("newpay", &refund("R1", 500));
    j.register(std::slice::from_ref(&new), 10).unwrap();
    let first = j.claim(&new.key).unwrap().expect("free");
    assert!(j.claim(&new.key).unwrap().is_none(), "held by the first");
    let stale = first.clone();
    j.release(first).unwrap();
    let second = j.claim(&new.key).unwrap().expect("free again");
    assert_ne!(second.token, stale.token);
    let err = j
        .begin_exchange(&stale, Operation::Refund, b"x", 20)
        .unwrap_err();
    assert!(err.to_string().contains("claim"), "{err}");
    assert!(
        j.settle(&stale, &settled(State::Rejected, "X"), 20)
            .is_err()
    );
    assert_eq!(j.get(&new.key).unwrap().unwrap().state, State::Planned);
    assert!(j.exchanges(&new.key).unwrap().is_empty());
    j.release(second).unwrap();
    assert!(j.claim(&Key::new("newpay", "nope")).is_err());
}

/// Notifications: idempotent, never weaker than a final state, recorded once.
fn applies_notifications_idempotently(j: &dyn Journal) {
    let new = journal::new_refund("payermax", &refund("R1", 500));
    j.register(std::slice::from_ref(&new), 10).unwrap();
    let claim = j.claim(&new.key).unwrap().unwrap();
    let id = j
        .begin_exchange(&claim, Operation::Refund, b"req", 20)
        .unwrap();
    j.finish_exchange(
        &claim,
        id,
        Reply::Answer(b"pending"),
        Some(&settled(State::Pending, "P")),
        21,
    )
    .unwrap();

    let ok = settled(State::Succeeded, "REFUND_SUCCESS");
    assert_eq!(
        j.apply_notification(&new.key, b"note-1", b"ack", &ok, 30)
            .unwrap(),
        Applied::Changed
    );
    assert_eq!(j.get(&new.key).unwrap().unwrap().state, State::Succeeded);
    // The same delivery again: nothing changes, nothing more is recorded.
    assert_eq!(
        j.apply_notification(&new.key, b"note-1", b"ack", &ok, 31)
            .unwrap(),
        Applied::Unchanged
    );
    // A late "pending" does not move a final record back.
    assert_eq!(
        j.apply_notification(
            &new.key,
            b"note-0",
            b"ack",
            &settled(State::Pending, "P"),
            32
        )
        .unwrap(),
        Applied::Unchanged
    );
    // The opposite final state is kept for review, not applied.
    assert_eq!(
        j.apply_notification(
            &new.key,
            b"note-2",
            b"ack",
            &settled(State::Rejected, "F"),
            33
        )
        .unwrap(),
        Applied::Contradicts
    );
    // The claim holder's stale decision does not undo the notification's either.
    j.settle(&claim, &settled(State::Pending, "P"), 34).unwrap();
    j.release(claim).unwrap();
    let r = j.get(&new.key).unwrap().unwrap();
    assert_eq!(r.state, State::Succeeded);

    let notes: Vec<_> = j
        .exchanges(&new.key)
        .unwrap()
        .into_iter()
        .filter(|x| x.operation == Operation::Notification)
        .collect();
    assert_eq!(notes.len(), 3, "note-1 once, note-0, note-2");
    assert_eq!(notes[0].request, b"note-1");
    assert_eq!(notes[0].answer.as_deref(), Some(&b"ack"[..]));
    assert!(notes[2].error.as_deref().unwrap().contains("contradicts"));
    assert!(
        j.apply_notification(&Key::new("payermax", "nope"), b"n", b"a", &ok, 40)
            .is_err()
    );
}

fn suite(j: &dyn Journal, fresh: &mut dyn FnMut() -> Box<dyn Journal>) {
    registers_and_refuses_a_reused_number(j);
    for case in [
        commits_intent_then_answer as fn(&dyn Journal),
        claims_are_exclusive_and_fenced,
        applies_notifications_idempotently,
    ] {
        case(fresh().as_ref());
    }
}

#[test]
fn sqlite_journal() {
    let path = sqlite_path();
    let j = SqliteJournal::open(&path).unwrap();
    suite(&j, &mut || {
        Box::new(SqliteJournal::open(&sqlite_path()).unwrap())
    });
    assert_eq!(j.store(), "sqlite");
}

#[test]
fn postgres_journal() {
    let Some(url) = postgres_url("postgres_journal") else {
        return;
    };
    let j = PostgresJournal::connect(&url).unwrap();
    suite(&j, &mut || {
        let url = postgres_url("postgres_journal").unwrap();
        Box::new(PostgresJournal::connect(&url).unwrap())
    });
    assert_eq!(j.store(), "postgres");
}

#[test]
fn sqlite_records_survive_reopening_and_one_process_writes() {
    let path = sqlite_path();
    let new = journal::new_refund("ottpay", &refund("R1", 500));
    {
        let j = SqliteJournal::open(&path).unwrap();
        j.register(std::slice::from_ref(&new), 10).unwrap();
        let claim = j.claim(&new.key).unwrap().unwrap();
        j.begin_exchange(&claim, Operation::Refund, b"req", 20)
            .unwrap();
        // A second writer is refused while this one is open...
        let err = SqliteJournal::open(&path).unwrap_err();
        assert!(err.to_string().contains("in use"), "{err}");
        // ...but a reader is not.
        let reader = SqliteJournal::open_read_only(&path).unwrap();
        assert_eq!(
            reader.get(&new.key).unwrap().unwrap().state,
            State::InFlight
        );
        // Dropped without release: as if the process died.
    }
    let j = SqliteJournal::open(&path).unwrap();
    let r = j.get(&new.key).unwrap().unwrap();
    assert_eq!((r.state, r.attempts), (State::InFlight, 1));
    // The dead process's claim is taken over.
    assert!(j.claim(&new.key).unwrap().is_some());
}

#[test]
fn postgres_claims_hold_across_connections_and_die_with_them() {
    let Some(url) = postgres_url("postgres_claims_hold_across_connections_and_die_with_them")
    else {
        return;
    };
    let new = journal::new_refund("ottpay", &refund("R1", 500));
    // Two journals: two processes as far as the database can tell.
    let a = PostgresJournal::connect(&url).unwrap();
    let b = PostgresJournal::connect(&url).unwrap();
    a.register(std::slice::from_ref(&new), 10).unwrap();
    assert!(matches!(
        &b.register(std::slice::from_ref(&new), 11).unwrap()[0],
        Registration::Existing(_)
    ));
    let held = a.claim(&new.key).unwrap().expect("free");
    assert!(b.claim(&new.key).unwrap().is_none(), "locked by a");
    // a's process dies: its connections close, the row lock goes with them.
    drop(held);
    drop(a);
    // The server ends a's session as soon as it sees the connection close.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let claim = loop {
        if let Some(claim) = b.claim(&new.key).unwrap() {
            break claim;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "a's lock outlived its connection"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    b.release(claim).unwrap();
}

#[test]
fn open_picks_the_store_from_the_location() {
    let j = journal::open(sqlite_path().to_str().unwrap()).unwrap();
    assert_eq!(j.store(), "sqlite");
    if let Some(url) = postgres_url("open_picks_the_store_from_the_location") {
        assert_eq!(journal::open(&url).unwrap().store(), "postgres");
    }
}
