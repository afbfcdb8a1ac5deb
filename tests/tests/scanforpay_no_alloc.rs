//! ScanForPay encode and decode in core make no heap allocation.

use refundwire::gateway::scanforpay::{
    self, Credentials, OrderQueryRequest, RefundRequest, RequestHeader,
};
use refundwire::time::Timestamp;
use refundwire_tests::{CountingAllocator, case, count_allocations, s};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

#[test]
fn encode_and_decode_do_not_allocate() {
    // Inputs are prepared (and allocated) before counting starts.
    let replies: Vec<Vec<u8>> = [
        "refund_response",
        "refund_response_pretty_printed",
        "refund_response_order_missing",
        "refund_response_signature_uppercase_hex",
    ]
    .iter()
    .map(|name| s(&case("scanforpay", name), "body").as_bytes().to_vec())
    .collect();
    let tampered = s(&case("scanforpay", "refund_response_tampered"), "body")
        .as_bytes()
        .to_vec();

    let (results, allocations) = count_allocations(|| {
        let creds = Credentials::new("63012", b"c4pz0lx9xf26gk7zx5b4ctzkk6oam89o").unwrap();
        let id = "fd03f269-3180-4575-8af0-580483868a29";
        let header = RequestHeader::new(Timestamp::new(1_709_633_165_000, 480).unwrap(), id);
        let mut out = [0u8; scanforpay::REQUEST_MAX];
        let refund = RefundRequest {
            partner_order_no: "p95748906828836075983",
            refund_no: "867565088995790",
            order_amount: 30095,
            operator_id: Some("766234"),
            terminal_no: Some("285819"),
        };
        let n = scanforpay::encode_refund(&creds, &header, &refund, &mut out)
            .unwrap()
            .len();
        let query = OrderQueryRequest {
            order_no: Some("2018072518060757"),
            ..OrderQueryRequest::default()
        };
        let m = scanforpay::encode_order_query(&creds, &header, &query, &mut out)
            .unwrap()
            .len();
        let mut amounts = [0u64; 4];
        for (slot, reply) in amounts.iter_mut().zip(&replies) {
            *slot = match scanforpay::decode_refund(&creds, reply, id).unwrap() {
                refundwire::Reply::Accepted(r) => r.order_amount,
                refundwire::Reply::Refused(r) => r.code.as_wire().parse().unwrap(),
            };
        }
        let rejected = scanforpay::decode_refund(&creds, &tampered, id).is_err();
        let query_refused = scanforpay::decode_order_query(&creds, &replies[2], id)
            .unwrap()
            .refused()
            .is_some();
        (n, m, amounts, rejected, query_refused)
    });
    assert!(results.0 > 0 && results.1 > 0);
    assert_eq!(results.2, [30095, 30095, 30, 30095]);
    assert!(results.3 && results.4);
    assert_eq!(allocations, 0);
}

#[test]
fn the_counter_sees_allocations() {
    // Guards the test above against a counter that never counts.
    let (_, allocations) = count_allocations(|| std::hint::black_box(vec![1u8; 16]));
    assert!(allocations >= 1);
}
