//! OTTPay encode and decode in core make no heap allocation.

use refundwire::gateway::ottpay::{self, Credentials, RefundRequest, RefundStatusQuery};
use refundwire_tests::{CountingAllocator, case, count_allocations, s};

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

#[test]
fn encode_and_decode_do_not_allocate() {
    // Inputs are prepared (and allocated) before counting starts.
    let refund = case("ottpay", "refund_response");
    let query = case("ottpay", "refund_status_query_response_numeric_java_double");
    let mut refund_body = [0u8; 512];
    let refund_len = s(&refund, "body").len();
    refund_body[..refund_len].copy_from_slice(s(&refund, "body").as_bytes());
    let mut query_body = [0u8; 512];
    let query_len = s(&query, "body").len();
    query_body[..query_len].copy_from_slice(s(&query, "body").as_bytes());

    let (amounts, allocations) = count_allocations(|| {
        let creds = Credentials::new("ON43915000", b"4283FEFC63F0CD0E").unwrap();
        let mut out = [0u8; ottpay::REFUND_BODY_MAX];
        let req = RefundRequest {
            order_id: Some("RF12415868344978"),
            ori_order_id: "202080636083778353374068",
            refund_amt: 51558,
        };
        let n = ottpay::encode_refund(&creds, &req, &mut out).unwrap().len();
        let q = RefundStatusQuery {
            order_id: "RF12415868344978",
        };
        let m = ottpay::encode_refund_status_query(&creds, &q, &mut out)
            .unwrap()
            .len();
        let r = ottpay::decode_refund(&creds, &mut refund_body[..refund_len], "RF12415868344978")
            .unwrap()
            .accepted()
            .unwrap();
        let st =
            ottpay::decode_refund_status(&creds, &mut query_body[..query_len], "RF12415868344978")
                .unwrap()
                .accepted()
                .unwrap();
        (n, m, r.refund_amt, st.refund_amt)
    });
    assert!(amounts.0 > 0 && amounts.1 > 0);
    assert_eq!((amounts.2, amounts.3), (51558, 51558));
    assert_eq!(allocations, 0);
}

#[test]
fn the_counter_sees_allocations() {
    // Guards the test above against a counter that never counts.
    let (_, allocations) = count_allocations(|| std::hint::black_box(vec![1u8; 16]));
    assert!(allocations >= 1);
}
