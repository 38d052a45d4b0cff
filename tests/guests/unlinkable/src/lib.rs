//! A component that imports an interface no host provides: linking must refuse it.

wit_bindgen::generate!({
    inline: "
        package openclaw:missing@0.1.0;
        interface telepathy { read-secret: func() -> string; }
        world unlinkable {
            import telepathy;
            export run: func() -> string;
        }
    ",
});

struct Unlinkable;

impl Guest for Unlinkable {
    fn run() -> String {
        openclaw::missing::telepathy::read_secret()
    }
}

export!(Unlinkable);
