//! Rows as CSV lines, written straight into a byte buffer: the bytes the
//! `csv` crate writes for the same row (its default writer: `,`, `"`,
//! quotes only where needed, `\n`), without its per-field machinery.
//!
//! A run with every output on writes millions of `groups.csv` and
//! `members.csv` rows; through `csv::Writer::serialize` each field passes a
//! quoting state machine and a buffered writer, which cost as much as
//! formatting the number. Here a number is formatted as `csv` formats it
//! (integers with `itoa`, floats in `ryu`'s text by `zmij`, which never
//! need quotes) and appended, an `f64`'s text kept for the lines that
//! follow ([`RecentFloats`]); a text is quoted exactly when `csv` would
//! quote it (it holds a `,`, a `"`, a `\r` or a `\n`; a `"` is doubled).
//! The rows are flat structs of numbers, texts, booleans, options and
//! unit-variant enums; any other shape is refused. A line may be written in
//! pieces: any run of its fields ([`append_fields`]) and floats that end it
//! ([`trailing_floats`]); or field by field by kind ([`Fields`]), for the
//! rows written by the million. Headers stay with the `csv` crate
//! ([`super::rows::header`]). The tests hold every row type against `csv`.

use std::cell::RefCell;
use std::fmt;

use serde::Serialize;
use serde::ser::{self, Impossible};

/// A row type that cannot be written as a CSV line (a programming error:
/// the rows of bonfire's files are flat).
#[derive(Debug)]
pub struct Unsupported(String);

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a CSV row cannot hold {}", self.0)
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Unsupported(msg.to_string())
    }
}

/// Appends `row` to `out` as one CSV line, terminator included; `recent`
/// remembers the text of the floats it writes for the lines that follow.
pub fn append<T: Serialize>(
    row: &T,
    recent: &mut RecentFloats,
    out: &mut Vec<u8>,
) -> Result<(), Unsupported> {
    append_fields(row, 0..usize::MAX, recent, out)?;
    out.push(b'\n');
    Ok(())
}

/// Appends the fields of `row` in `range` (by their place in the row) to
/// `out`, each after its delimiter but the row's first, without a
/// terminator: the bytes [`append`] writes for them there, so that a line
/// can be put together from pieces written apart (its last fields perhaps
/// by [`trailing_floats`]). The fields outside `range` are not formatted.
pub fn append_fields<T: Serialize>(
    row: &T,
    range: std::ops::Range<usize>,
    recent: &mut RecentFloats,
    out: &mut Vec<u8>,
) -> Result<(), Unsupported> {
    let mut line = Line {
        out,
        fields: 0,
        skip: range.start,
        limit: range.end,
        in_struct: false,
        recent: Some(recent),
    };
    row.serialize(&mut line)
}

/// The text of the `f64` values written lately, by their bits, for the
/// lines that follow: many of a run's figures are shares of small counts
/// (attendance, retention, density) that come back row after row, and a
/// value's text found here is copied instead of being made again. One
/// slot per value hash, the last value written there kept.
pub struct RecentFloats {
    slots: Box<[Recent; RECENT_SLOTS]>,
}

/// Enough slots (80 KiB) for the values a run's figures come back to: a
/// year of 1,000 groups of ten measured every session has some 2,200
/// clustering coefficients, most met many times, and a few dozen shares.
const RECENT_SLOTS: usize = 2048;
const _: () = assert!(RECENT_SLOTS.is_power_of_two());

/// The longest text of a float: a sign, 17 digits, a point and `e-308`.
const LONGEST_FLOAT: usize = 24;

/// One remembered value: its bits and its text (`len` 0: none yet).
#[derive(Debug, Clone, Copy)]
struct Recent {
    bits: u64,
    len: u8,
    text: [u8; LONGEST_FLOAT],
}

impl Default for RecentFloats {
    fn default() -> Self {
        let none = Recent {
            bits: 0,
            len: 0,
            text: [0; LONGEST_FLOAT],
        };
        let slots = vec![none; RECENT_SLOTS].into_boxed_slice();
        RecentFloats {
            slots: slots.try_into().expect("as many slots as asked for"),
        }
    }
}

impl RecentFloats {
    /// Runs `write` with the texts kept on this thread, which outlive the
    /// call: a session's rows are written in blocks of a few hundred,
    /// each on whichever thread takes it, and texts kept for one block
    /// serve the next (a share met in one session comes back in the
    /// next). A text is made from its value's bits alone, so what a
    /// thread kept before never changes a line's bytes, only the work of
    /// writing it. A call within another's `write` on the same thread
    /// (none is made today) is given a table of its own.
    pub fn on_this_thread<R>(write: impl FnOnce(&mut RecentFloats) -> R) -> R {
        thread_local! {
            static KEPT: RefCell<RecentFloats> = RefCell::new(RecentFloats::default());
        }
        KEPT.with(|kept| match kept.try_borrow_mut() {
            Ok(mut kept) => write(&mut kept),
            Err(_) => write(&mut RecentFloats::default()),
        })
    }

    /// The slot of a value: the top bits of a multiplicative hash.
    fn slot(bits: u64) -> usize {
        let hash = bits.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (hash >> (u64::BITS - RECENT_SLOTS.trailing_zeros())) as usize
    }
}

/// A line's fields written one by one by their kind rather than by
/// walking a row: the bytes [`append`] writes for each there, each after
/// its delimiter but a line's first, the `f64`s through the
/// [`RecentFloats`] given but those of [`Fields::new_float`]. For the rows
/// of which millions are written, where the walk through `serde` (a call
/// for each field's kind, and the test of each field against the range
/// written) costs more than some of their fields; a test holds each such
/// writer to [`append`].
pub struct Fields<'a>(Line<'a>);

impl<'a> Fields<'a> {
    /// A line's fields from its first, into `out`.
    pub fn line(out: &'a mut Vec<u8>, recent: &'a mut RecentFloats) -> Self {
        Fields(Line {
            fields: 0,
            recent: Some(recent),
            ..Line::trailing(out)
        })
    }

    /// Fields after a line's first, into `out`.
    pub fn after(out: &'a mut Vec<u8>, recent: &'a mut RecentFloats) -> Self {
        Fields(Line {
            recent: Some(recent),
            ..Line::trailing(out)
        })
    }

    /// An unsigned integer.
    #[inline(always)]
    pub fn unsigned(&mut self, v: impl Into<u64>) {
        self.0.unsigned(v.into());
    }

    /// An unsigned integer, or an empty field.
    #[inline(always)]
    pub fn maybe_unsigned(&mut self, v: Option<impl Into<u64>>) {
        match v {
            Some(v) => self.0.unsigned(v.into()),
            None => self.0.field(b""),
        }
    }

    /// A float, or an empty field (an `f32`'s text is never kept).
    #[inline(always)]
    pub fn float<F: zmij::Float + Into<f64>>(&mut self, v: Option<F>) {
        match v {
            Some(v) => self.0.float(v),
            None => self.0.field(b""),
        }
    }

    /// A float, or an empty field, that seldom comes back from one line to
    /// the next (a mean of many members' figures): its text is made and not
    /// kept, which spares the look for it and its copy into the kept texts.
    #[inline(always)]
    pub fn new_float(&mut self, v: Option<f64>) {
        let recent = self.0.recent.take();
        self.float(v);
        self.0.recent = recent;
    }

    /// A text, quoted where `csv` quotes it.
    pub fn text(&mut self, v: &str) {
        self.0.text(v.as_bytes());
    }

    /// Any other field, through `serde` (an enum's variant, a flag).
    pub fn value<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), Unsupported> {
        v.serialize(&mut self.0)
    }
}

/// `values` as the fields that end a line begun by [`append_fields`],
/// each after its delimiter: the bytes [`append`] writes for them there.
pub fn trailing_floats(values: &[f64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * (1 + LONGEST_FLOAT));
    let mut line = Line::trailing(&mut out);
    for &v in values {
        line.float(v);
    }
    out
}

/// `v` as a field after its delimiter: the bytes [`append`] writes for an
/// unsigned integer there.
#[inline(always)]
pub fn append_unsigned(v: u64, out: &mut Vec<u8>) {
    out.push(b',');
    push_unsigned(out, v);
}

/// The line being written, how many of the row's fields it has passed so
/// far, how many it leaves out at the start (written elsewhere), how many
/// it may hold (later ones are skipped), whether the row's struct has
/// begun (a struct inside it is refused), and the floats written lately,
/// if they are kept.
struct Line<'a> {
    out: &'a mut Vec<u8>,
    fields: usize,
    skip: usize,
    limit: usize,
    in_struct: bool,
    recent: Option<&'a mut RecentFloats>,
}

impl<'a> Line<'a> {
    /// A line's fields after its first, into `out`, no float kept.
    fn trailing(out: &'a mut Vec<u8>) -> Self {
        Line {
            out,
            fields: 1,
            skip: 0,
            limit: usize::MAX,
            in_struct: true,
            recent: None,
        }
    }

    /// Starts a field: a delimiter before every field but the first.
    fn next_field(&mut self) {
        if self.fields > 0 {
            self.out.push(b',');
        }
        self.fields += 1;
    }

    fn field(&mut self, bytes: &[u8]) {
        self.next_field();
        self.out.extend_from_slice(bytes);
    }

    fn text(&mut self, text: &[u8]) {
        self.next_field();
        if !text
            .iter()
            .any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n'))
        {
            self.out.extend_from_slice(text);
            return;
        }
        self.out.push(b'"');
        for &b in text {
            if b == b'"' {
                self.out.push(b'"');
            }
            self.out.push(b);
        }
        self.out.push(b'"');
    }

    fn integer(&mut self, v: impl itoa::Integer) {
        self.field(itoa::Buffer::new().format(v).as_bytes());
    }

    /// An unsigned integer ([`push_unsigned`]).
    #[inline(always)]
    fn unsigned(&mut self, v: u64) {
        self.next_field();
        push_unsigned(self.out, v);
    }

    /// A float in `ryu`'s text, which is what `csv` writes: the shortest
    /// digits that read back to the same value ([`ryu_text`]); an `f64`'s
    /// through [`RecentFloats`]. Written where it is called, but for the
    /// making of a text ([`push_new_text`], [`Recent::remake`]): a
    /// whole number or a text kept costs no call.
    #[inline(always)]
    fn float<F: zmij::Float + Into<f64>>(&mut self, v: F) {
        let value: f64 = v.into();
        // A whole number of less than 2^24 in magnitude (weeks, counts,
        // shares of 0 or 1) is exact in both widths, and its shortest
        // digits are its own: `ryu` writes the integer and `.0` (`-0.0`
        // keeps its sign through the general path).
        self.next_field();
        let whole = value as i32;
        if f64::from(whole) == value
            && whole.unsigned_abs() < 1 << 24
            && !(whole == 0 && value.is_sign_negative())
        {
            if whole < 0 {
                self.out
                    .extend_from_slice(itoa::Buffer::new().format(whole).as_bytes());
            } else {
                push_unsigned(self.out, whole as u64);
            }
            self.out.extend_from_slice(b".0");
            return;
        }
        // An `f32` is not kept: keyed by its widening's bits it would meet
        // the `f64` of the same value, whose text is longer.
        let wide = size_of::<F>() == size_of::<f64>();
        let Some(recent) = self.recent.as_deref_mut().filter(|_| wide) else {
            push_new_text(self.out, v);
            return;
        };
        let bits = value.to_bits();
        let slot = &mut recent.slots[RecentFloats::slot(bits)];
        if slot.len == 0 || slot.bits != bits {
            slot.remake(v, bits);
        }
        push_text(self.out, &slot.text, usize::from(slot.len));
    }
}

impl Recent {
    /// Makes this slot the text of `v`, whose bits are `bits`.
    #[inline(never)]
    fn remake<F: zmij::Float + Into<f64>>(&mut self, v: F, bits: u64) {
        let len = ryu_text(v, &mut self.text);
        (self.bits, self.len) = (bits, len as u8);
    }
}

/// Appends `v` in `ryu`'s text to `out`, made anew.
#[inline(never)]
fn push_new_text<F: zmij::Float + Into<f64>>(out: &mut Vec<u8>, v: F) {
    let mut text = [0; LONGEST_FLOAT];
    let len = ryu_text(v, &mut text);
    push_text(out, &text, len);
}

/// Appends an unsigned integer's digits to `out`: up to three digits (a
/// replicate, a count of friends, a week, a group's id) pushed as they
/// are, the rest through `itoa`.
#[inline(always)]
fn push_unsigned(out: &mut Vec<u8>, v: u64) {
    if v < 10 {
        out.push(b'0' + v as u8);
    } else if v < 100 {
        out.extend_from_slice(&[b'0' + (v / 10) as u8, b'0' + (v % 10) as u8]);
    } else if v < 1000 {
        let digit = |d: u64| b'0' + (d % 10) as u8;
        out.extend_from_slice(&[digit(v / 100), digit(v / 10), digit(v)]);
    } else {
        out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    }
}

/// Appends the first `len` bytes of a float's `text` to `out`: all of the
/// text's bytes, a copy of fixed size that needs no call, then the line
/// cut back to the float's end.
#[inline(always)]
fn push_text(out: &mut Vec<u8>, text: &[u8; LONGEST_FLOAT], len: usize) {
    let end = out.len() + len;
    out.extend_from_slice(text);
    out.truncate(end);
}

/// `v` as every output writes a float (`ryu`'s text, as `csv` writes it),
/// for the files not written through [`Fields`] (the network exports): the
/// same figure reads the same in every file, to the last digit of a tie
/// between two shortest texts.
pub fn float_text<F: zmij::Float + Into<f64>>(v: F) -> String {
    let mut text = [0; LONGEST_FLOAT];
    let len = ryu_text(v, &mut text);
    String::from_utf8_lossy(&text[..len]).into_owned()
}

/// Writes `v` in `ryu`'s text into `text` and returns its length. `zmij`
/// finds the same digits in a fraction of the instructions and writes the
/// same text, but for a `+` after the `e` of a large exponent (`1e+16`
/// where `ryu` writes `1e16`), which is dropped.
#[inline(always)]
fn ryu_text<F: zmij::Float + Into<f64>>(v: F, text: &mut [u8; LONGEST_FLOAT]) -> usize {
    let large = v.into().abs() >= 1e12;
    let mut buffer = zmij::Buffer::new();
    let made = buffer.format(v).as_bytes();
    // Below 10^12 no text has an exponent with a `+` (`ryu` writes digits
    // up to 10^13 for an `f32`, 10^16 for an `f64`); above, the sign is
    // among the last five bytes (`e+308`).
    let tail = made.len().saturating_sub(5);
    let plus = if large {
        made[tail..].iter().position(|&b| b == b'+')
    } else {
        None
    };
    match plus {
        None => {
            copy_short(made, text);
            made.len()
        }
        Some(at) => {
            let plus = tail + at;
            text[..plus].copy_from_slice(&made[..plus]);
            text[plus..made.len() - 1].copy_from_slice(&made[plus + 1..]);
            made.len() - 1
        }
    }
}

/// Copies `made` (at most [`LONGEST_FLOAT`] bytes) to the start of
/// `text`: from eight bytes on, by three copies of eight bytes that may
/// overlap (the first, the last, and those from the eighth or before the
/// last eight), which need no call to `memcpy`; shorter ones byte by byte.
#[inline(always)]
fn copy_short(made: &[u8], text: &mut [u8; LONGEST_FLOAT]) {
    let len = made.len();
    debug_assert!(len <= LONGEST_FLOAT, "a float's text of {len} bytes");
    if (8..=LONGEST_FLOAT).contains(&len) {
        let middle = (len - 8).min(8);
        for at in [0, middle, len - 8] {
            text[at..at + 8].copy_from_slice(&made[at..at + 8]);
        }
    } else {
        for (to, &from) in text.iter_mut().zip(made) {
            *to = from;
        }
    }
}

fn unsupported<T>(what: &str) -> Result<T, Unsupported> {
    Err(Unsupported(what.to_string()))
}

impl<'a> ser::Serializer for &mut Line<'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Impossible<(), Unsupported>;
    type SerializeTuple = Impossible<(), Unsupported>;
    type SerializeTupleStruct = Impossible<(), Unsupported>;
    type SerializeTupleVariant = Impossible<(), Unsupported>;
    type SerializeMap = Impossible<(), Unsupported>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), Unsupported>;

    fn serialize_bool(self, v: bool) -> Result<(), Unsupported> {
        self.field(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Unsupported> {
        self.integer(v);
        Ok(())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Unsupported> {
        self.integer(v);
        Ok(())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Unsupported> {
        self.integer(v);
        Ok(())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Unsupported> {
        self.integer(v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Unsupported> {
        self.unsigned(v.into());
        Ok(())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Unsupported> {
        self.unsigned(v.into());
        Ok(())
    }
    #[inline(always)]
    fn serialize_u32(self, v: u32) -> Result<(), Unsupported> {
        self.unsigned(v.into());
        Ok(())
    }
    #[inline(always)]
    fn serialize_u64(self, v: u64) -> Result<(), Unsupported> {
        self.unsigned(v);
        Ok(())
    }
    #[inline(always)]
    fn serialize_f32(self, v: f32) -> Result<(), Unsupported> {
        self.float(v);
        Ok(())
    }
    #[inline(always)]
    fn serialize_f64(self, v: f64) -> Result<(), Unsupported> {
        self.float(v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        self.text(v.encode_utf8(&mut [0; 4]).as_bytes());
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        self.text(v.as_bytes());
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Unsupported> {
        self.text(v);
        Ok(())
    }
    #[inline(always)]
    fn serialize_none(self) -> Result<(), Unsupported> {
        self.field(b"");
        Ok(())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Unsupported> {
        self.serialize_none()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), Unsupported> {
        unsupported("an enum variant with data")
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        unsupported("a sequence")
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, Unsupported> {
        unsupported("a tuple")
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        unsupported("a tuple struct")
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        unsupported("an enum variant with data")
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        unsupported("a map")
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, Unsupported> {
        if self.in_struct {
            return unsupported("a nested struct");
        }
        self.in_struct = true;
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        unsupported("an enum variant with data")
    }
}

impl<'a> ser::SerializeStruct for &mut Line<'a> {
    type Ok = ();
    type Error = Unsupported;

    // A row's walk calls this for every field; inlined there with the
    // numbers' thin methods, a field outside the range being written costs
    // a comparison, not a call, and a written one a call to `Line`'s writer
    // (together 11 million fewer instructions for the 10,000-member year
    // with every output).
    #[inline(always)]
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        _key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        if self.fields < self.skip {
            self.fields += 1;
            return Ok(());
        }
        if self.fields >= self.limit {
            return Ok(());
        }
        value.serialize(&mut **self)
    }

    fn end(self) -> Result<(), Unsupported> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Flat {
        n: u64,
        text: String,
        x: f64,
        y: Option<f64>,
        z: f32,
        flag: bool,
        maybe: Option<u32>,
    }

    fn by_csv<T: Serialize>(row: &T) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        w.serialize(row).unwrap();
        w.into_inner().unwrap()
    }

    fn by_line<T: Serialize>(row: &T) -> Vec<u8> {
        let mut out = Vec::new();
        append(row, &mut RecentFloats::default(), &mut out).unwrap();
        out
    }

    #[test]
    fn texts_are_quoted_where_csv_quotes_them_and_numbers_formatted_as_csv_formats_them() {
        let texts = [
            "plain",
            "",
            "a,b",
            "say \"hi\"",
            "two\nlines",
            "cr\r",
            "ünï",
            " pad ",
        ];
        let floats = [
            0.0,
            -0.0,
            1.0,
            0.1,
            -2.5e-300,
            1e21,
            123456789.125,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
        ];
        for (i, text) in texts.iter().enumerate() {
            for (j, &x) in floats.iter().enumerate() {
                let row = Flat {
                    n: u64::MAX - i as u64,
                    text: text.to_string(),
                    x,
                    y: (j % 2 == 0).then_some(x * 3.0),
                    z: x as f32,
                    flag: j % 3 == 0,
                    maybe: (i % 2 == 1).then_some(j as u32),
                };
                assert_eq!(
                    String::from_utf8_lossy(&by_line(&row)),
                    String::from_utf8_lossy(&by_csv(&row)),
                    "text {text:?}, x {x}"
                );
            }
        }
    }

    #[test]
    fn unsigned_integers_are_written_as_their_decimal_digits() {
        // Up to three digits take their own path; the rest `itoa`'s.
        let ends = [999, 1_000, 65_535, 1 << 32, u64::MAX];
        for v in (0..=1_000u64).chain(ends) {
            let mut out = Vec::new();
            Line::trailing(&mut out).unsigned(v);
            assert_eq!(String::from_utf8(out).unwrap(), format!(",{v}"));
        }
    }

    /// The text of one float field as [`Line::float`] writes it, with
    /// the floats written before it remembered in `recent`.
    fn float_field(v: impl zmij::Float + Into<f64>, recent: &mut RecentFloats) -> String {
        let mut out = Vec::new();
        Line {
            out: &mut out,
            fields: 0,
            skip: 0,
            limit: usize::MAX,
            in_struct: false,
            recent: Some(recent),
        }
        .float(v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_table_asked_for_within_another_on_the_same_thread_is_its_own() {
        let texts = RecentFloats::on_this_thread(|outer| {
            let inner = RecentFloats::on_this_thread(|inner| float_field(0.1, inner));
            (float_field(0.1, outer), inner)
        });
        assert_eq!(texts, ("0.1".to_string(), "0.1".to_string()));
    }

    #[test]
    fn floats_are_written_as_ryu_writes_them_over_every_magnitude() {
        // Powers of ten around the switches to exponent notation, both
        // signs, then a million bit patterns of each width (an xorshift
        // walk) and as many values of every decimal magnitude; each value
        // three times, through one table of recent values: itself, the
        // value before, itself again (its text kept, or replaced by another
        // value's of the same slot).
        let mut checked = 0;
        let (mut recent, mut last) = (RecentFloats::default(), 0.0);
        let mut both = |x: f64| {
            for x in [x, last, x] {
                assert_eq!(
                    float_field(x, &mut recent),
                    ryu::Buffer::new().format(x),
                    "{x:e}"
                );
                let y = x as f32;
                assert_eq!(
                    float_field(y, &mut recent),
                    ryu::Buffer::new().format(y),
                    "{y:e}"
                );
            }
            last = x;
            checked += 1;
        };
        // Whole numbers, written without the general path below 2^24: all
        // up to 100,000 and those around 2^24 and the powers of two and ten.
        for n in (-100_000..=100_000).chain((1 << 24) - 100..(1 << 24) + 100) {
            both(f64::from(n));
            both(-f64::from(n));
        }
        for e in 0..64 {
            for n in [2f64.powi(e), 10f64.powi(e / 3), 3.0 * 2f64.powi(e)] {
                for x in [n - 1.0, n, n + 1.0, -n, 0.5 - n, n + 0.5] {
                    both(x);
                }
            }
        }
        both(-0.0);
        for e in -330..=310 {
            for m in [1.0, 9.999_999_999_999_999, 1.5, 7.25] {
                both(m * 10f64.powi(e));
                both(-m * 10f64.powi(e));
            }
        }
        let mut bits: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..1_000_000 {
            bits ^= bits << 13;
            bits ^= bits >> 7;
            bits ^= bits << 17;
            both(f64::from_bits(bits));
            both(f64::from(f32::from_bits(bits as u32)));
            let unit = (bits >> 11) as f64 / (1u64 << 53) as f64;
            both(unit * 10f64.powi((bits & 63) as i32 - 40));
        }
        assert!(checked > 3_000_000);
    }

    #[test]
    fn a_line_begun_with_its_leading_fields_and_ended_with_trailing_floats_is_the_whole_line() {
        #[derive(Serialize)]
        struct EndsInFloats {
            n: u32,
            text: &'static str,
            x: Option<f64>,
            a: f64,
            b: f64,
        }
        for (i, (a, b)) in [(0.1, -2.5e-7), (3.0, -0.0), (1e300, f64::from(f32::MAX))]
            .into_iter()
            .enumerate()
        {
            let row = EndsInFloats {
                n: i as u32,
                text: "a, \"b\"",
                x: (i == 1).then_some(1.0 / 3.0),
                a,
                b,
            };
            let whole = String::from_utf8(by_csv(&row)).unwrap();
            // The first three fields cut in two at every place, written
            // apart; then the floats that end the line.
            for cut in 0..=3 {
                let (mut parts, mut recent) = (Vec::new(), RecentFloats::default());
                append_fields(&row, 0..cut, &mut recent, &mut parts).unwrap();
                append_fields(&row, cut..3, &mut recent, &mut parts).unwrap();
                parts.extend(trailing_floats(&[a, b]));
                parts.push(b'\n');
                assert_eq!(String::from_utf8(parts).unwrap(), whole, "cut at {cut}");
            }
            let mut first = Vec::new();
            append_fields(&row, 0..1, &mut RecentFloats::default(), &mut first).unwrap();
            assert_eq!(first, i.to_string().as_bytes());
            let mut middle = Vec::new();
            append_fields(&row, 2..3, &mut RecentFloats::default(), &mut middle).unwrap();
            let x = row.x.map(|x| x.to_string()).unwrap_or_default();
            assert_eq!(String::from_utf8(middle).unwrap(), format!(",{x}"));
        }
    }

    #[test]
    fn shapes_a_csv_row_cannot_hold_are_refused() {
        #[derive(Serialize)]
        struct Nested {
            inner: Flat2,
        }
        #[derive(Serialize)]
        struct Flat2 {
            a: u32,
        }
        let (mut out, mut recent) = (Vec::new(), RecentFloats::default());
        let err = append(
            &Nested {
                inner: Flat2 { a: 1 },
            },
            &mut recent,
            &mut out,
        );
        assert!(err.is_err());
        assert!(append(&vec![1, 2], &mut recent, &mut out).is_err());
    }
}
