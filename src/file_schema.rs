//! The JSON Schema of a whole scenario file, for editors (`bonfire
//! schema`): the declared keys from the registry ([`crate::scenario::keys::ordered_registry`]) with
//! their descriptions, defaults and ranges, plus the tables that shape an
//! experiment: `[sweep]`, `[[arm]]`, `[sensitivity]` and `[calibration]`.

use serde_json::{Value, json};

use crate::scenario::keys::{Key, Kind, ordered_registry};

/// The JSON Schema of a whole scenario file, for editors: the declared keys
/// with their descriptions, defaults and ranges, plus `[sweep]` (any key that
/// may vary, as a list of values or a range) and `[[arm]]` (a name, whether
/// the arm attends, and any key that may vary).
pub fn file_schema() -> Value {
    let registry = ordered_registry();
    let mut schema = registry.schema.clone();
    let varying: Vec<&Key> = registry
        .keys
        .iter()
        .filter(|k| !k.experiment_wide)
        .collect();

    let sweep_leaf = |key: &Key| {
        let mut list = json!({"type": "array", "minItems": 1, "items": key.schema.clone()});
        if let Some(d) = key.schema.get("description") {
            list["description"] = d.clone();
        }
        match key.kind {
            Kind::Whole { .. } | Kind::Real { .. } => {
                json!({"anyOf": [list, {"$ref": "#/$defs/SweepRange"}]})
            }
            _ => list,
        }
    };
    let mut sweep = nest(&varying, sweep_leaf);
    sweep["description"] = json!(
        "Keys swept in a full factorial, or side by side with together = true: a list of values or a range { from, to, step } each; replicates sets the number of replicates."
    );
    sweep["properties"]["together"] = json!({
        "description": "True: the lists are walked side by side, point i taking the i-th value of each (lists of one length); false: their full factorial.",
        "type": "boolean", "default": false
    });
    sweep["properties"]["replicates"] = json!({
        "description": "Replicates of every point and arm.",
        "type": "integer", "minimum": 1, "maximum": 10_000
    });

    let mut arm = nest(&varying, |key: &Key| key.schema.clone());
    arm["description"] = json!(
        "A named condition: the keys that differ from the base scenario. Every arm runs for every sweep point and replicate on common random numbers."
    );
    arm["properties"]["name"] = json!({
        "description": "The arm's name (not \"control\", which names the within-run control members).",
        "type": "string", "pattern": crate::scenario::NAME_PATTERN
    });
    arm["properties"]["attends"] = json!({
        "description": "False for a waitlist control arm whose members never attend.",
        "type": "boolean", "default": true
    });
    arm["required"] = json!(["name"]);

    let root = schema.as_object_mut().expect("a schema is an object");
    root.insert(
        "$id".into(),
        json!("https://bonfire.invalid/scenario.schema.json"),
    );
    root.insert(
        "description".into(),
        json!("A bonfire scenario file (TOML). Every key has a default; unknown keys are refused."),
    );
    let properties = root["properties"].as_object_mut().expect("properties");
    properties.insert("sensitivity".into(), sensitivity_schema(&varying));
    properties.insert("calibration".into(), calibration_schema(&varying));
    properties.insert("sweep".into(), sweep);
    properties.insert("arm".into(), json!({"type": "array", "items": arm}));
    root["$defs"].as_object_mut().expect("definitions").insert(
        "SweepRange".into(),
        json!({
            "description": "Values from `from` to `to` (included) by `step`.",
            "type": "object",
            "properties": {
                "from": {"type": "number"},
                "to": {"type": "number"},
                "step": {"type": "number", "exclusiveMinimum": 0}
            },
            "required": ["from", "to"],
            "additionalProperties": false
        }),
    );
    schema
}

/// A factor of `[sensitivity.factors]` or a parameter of
/// `[calibration.parameters]`: a range (for a number key) or a list.
fn factor(key: &Key) -> Value {
    let list = json!({"type": "array", "minItems": 2, "items": key.schema.clone()});
    match key.kind {
        Kind::Whole { .. } | Kind::Real { .. } => json!({"anyOf": [list, {
            "description": "A range: uniform from `from` to `to` (whole numbers for a whole-number key), or uniform in the log with scale = \"log\".",
            "type": "object",
            "properties": {
                "from": {"type": "number"},
                "to": {"type": "number"},
                "scale": {"enum": ["linear", "log"]}
            },
            "required": ["from", "to"],
            "additionalProperties": false
        }]}),
        _ => list,
    }
}

/// `[sensitivity]`: its settings (described by
/// [`crate::sensitivity::spec::KEYS`]) and `[sensitivity.factors]`, any key
/// that may vary, as a range or a list of values.
fn sensitivity_schema(varying: &[&Key]) -> Value {
    let mut factors = nest(varying, factor);
    factors["description"] =
        json!("The uncertain keys, each with a range { from, to } or a list of values.");
    let doc = |name: &str| {
        crate::sensitivity::spec::KEYS
            .iter()
            .find(|(k, _)| *k == name)
            .map_or("", |(_, allowed)| *allowed)
    };
    json!({
        "description": "A global sensitivity analysis (bonfire sensitivity): factors, outcomes, method.",
        "type": "object",
        "properties": {
            "method": {"description": doc("method"), "enum": ["sobol", "morris"], "default": "sobol"},
            "samples": {"description": doc("samples"), "type": "integer", "minimum": 2, "maximum": 65_536},
            "levels": {"description": doc("levels"), "type": "integer", "minimum": 2, "maximum": 20, "default": 4},
            "bootstrap": {"description": doc("bootstrap"), "type": "integer", "minimum": 0, "maximum": 100_000, "default": 1000},
            "arm": {"description": doc("arm"), "type": "string"},
            "outcomes": {"description": doc("outcomes"), "type": "array", "minItems": 1,
                "items": {"type": "string", "pattern": "^((difference:)?[a-z0-9_]+@([0-9]+|end)|effect_size:(loneliness|hope|stigma)_mean@end)$"}},
            "factors": factors
        },
        "required": ["outcomes", "factors"],
        "additionalProperties": false
    })
}

/// `[calibration]`: its settings (described by
/// [`crate::calibration::spec::KEYS`]) and `[calibration.parameters]`, any
/// key that may vary, with its prior as a range or a list of values.
fn calibration_schema(varying: &[&Key]) -> Value {
    let mut parameters = nest(varying, factor);
    parameters["description"] = json!(
        "The free parameters, each with its prior: a range { from, to } (uniform, or uniform in the log with scale = \"log\") or a list of values."
    );
    let doc = |name: &str| {
        crate::calibration::spec::KEYS
            .iter()
            .find(|(k, _)| *k == name)
            .map_or("", |(_, allowed)| *allowed)
    };
    json!({
        "description": "A calibration (bonfire calibrate --targets FILE): the free parameters with their priors, and the sizes of the algorithm.",
        "type": "object",
        "properties": {
            "particles": {"description": doc("particles"), "type": "integer", "minimum": 8, "maximum": 100_000, "default": 64},
            "alpha": {"description": doc("alpha"), "type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1, "default": 0.5},
            "min_acceptance": {"description": doc("min_acceptance"), "type": "number", "minimum": 0, "maximum": 1, "default": 0.05},
            "generations": {"description": doc("generations"), "type": "integer", "minimum": 1, "maximum": 1000, "default": 12},
            "arm": {"description": doc("arm"), "type": "string"},
            "parameters": parameters
        },
        "required": ["parameters"],
        "additionalProperties": false
    })
}

/// Nested object schemas for a set of keys, with `leaf` for each key.
fn nest(keys: &[&Key], leaf: impl Fn(&Key) -> Value) -> Value {
    let mut root = json!({"type": "object", "properties": {}, "additionalProperties": false});
    for key in keys {
        let parts: Vec<&str> = key.path.split('.').collect();
        let mut here = &mut root;
        for part in &parts[..parts.len() - 1] {
            let properties = here["properties"].as_object_mut().expect("object");
            here = properties.entry(part.to_string()).or_insert_with(
                || json!({"type": "object", "properties": {}, "additionalProperties": false}),
            );
        }
        here["properties"][parts[parts.len() - 1]] = leaf(key);
    }
    root
}
