//! A valid component that links but exports something else: not a policy.

wit_bindgen::generate!({
    inline: "
        package openclaw:other@0.1.0;
        world not-a-policy {
            export greet: func(name: string) -> string;
        }
    ",
});

struct NotAPolicy;

impl Guest for NotAPolicy {
    fn greet(name: String) -> String {
        format!("hello {name}")
    }
}

export!(NotAPolicy);
