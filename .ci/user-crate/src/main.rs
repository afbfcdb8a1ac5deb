//! What a service that links refundwire-std can rely on: its own serde_json is the one it asked
//! for (no `arbitrary_precision`, no `preserve_order` switched on by the library), and the
//! library works.

use serde::Deserialize;

#[derive(Deserialize)]
struct Order {
    #[serde(flatten)]
    price: Price,
}

#[derive(Deserialize)]
struct Price {
    amount: f64,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Amount {
    Float(f64),
    Text(String),
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // With `arbitrary_precision` unified in, both fail: "invalid type: map, expected f64".
    let order: Order = serde_json::from_str(r#"{"amount":10.5}"#)?;
    assert_eq!(order.price.amount, 10.5);
    let amount: Amount = serde_json::from_str("10.5")?;
    assert!(matches!(amount, Amount::Float(f) if f == 10.5));
    assert!(matches!(serde_json::from_str::<Amount>("\"x\"")?, Amount::Text(t) if t == "x"));
    // Without `preserve_order`, a Map is sorted by key.
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_str(r#"{"b":1,"a":2}"#)?;
    assert_eq!(serde_json::to_string(&map)?, r#"{"a":2,"b":1}"#);

    // And the library itself, through the neutral API.
    let credentials = refundwire_std::registry::Credentials::parse(
        br#"{"merchant_id":"ON43915000","sign_key":"4283FEFC63F0CD0E"}"#,
        ".",
    )?;
    let gateway = refundwire_std::registry::build("ottpay", &credentials)?;
    let cad = refundwire_std::codec::money::Currency::from_code("CAD")?;
    let refund = refundwire_std::RefundRequest::new(
        "202080636083778353374068",
        "RF12415868344978",
        refundwire_std::codec::money::Money::new(51558, cad),
    );
    let prepared = gateway.prepare_refund(&refund, &refundwire_std::Context::system())?;
    assert!(prepared.request.body().ends_with(br#""md5":"4774D88228F1C8FC21AE97E4884D326D"}"#));
    println!("a user's build is left alone: serde_json as asked, refundwire-std works");
    Ok(())
}
