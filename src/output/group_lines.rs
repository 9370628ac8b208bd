//! `groups.csv`'s lines with the fields that repeat formatted once.
//!
//! A run writes a row for every group at every measured step. Its last
//! three fields, the group's character (reply norm, safety shift, meeting
//! quality), are fixed when the group is created: three floats of up to
//! seventeen digits, a fifth of what a row costs to format. Its first
//! fields, the run's (run, arm, replicate) and the session's (step, week),
//! are the same from one row to the next. [`GroupLines`] keeps each
//! group's character as text, made by [`csv_line`] from the values, and
//! the run's and the session's fields as the text of the last row that
//! had them, and writes a row as those texts and its figures, these field
//! by field ([`csv_line::Fields`]) rather than by walking the row: the
//! bytes [`super::rows::headerless`] writes for it.

use std::ops::Range;

use super::csv_line::{self, Fields, RecentFloats, Unsupported};
use super::rows::{GroupRow, in_blocks, lines_of};
use crate::error::Result;

/// The fields of a [`GroupRow`] by their place in the row (a test holds
/// the header to them): the run's, then the group's id (an unsigned
/// integer, written as [`csv_line::append_unsigned`] writes it), the
/// session's, then the figures ([`append_figures`]) and the group's
/// character.
const RUN: Range<usize> = 0..3;
const SESSION: Range<usize> = 4..6;

/// A group's character: its values' bits, and their text as the end of a
/// line (each after its delimiter).
struct Character {
    bits: [u64; 3],
    text: Box<[u8]>,
}

/// The characters met so far, by group id.
#[derive(Default)]
pub struct GroupLines {
    characters: Vec<Option<Character>>,
}

fn character_bits(row: &GroupRow) -> [u64; 3] {
    [row.reply_norm, row.safety_shift, row.meeting_quality].map(f64::to_bits)
}

impl GroupLines {
    /// `rows` as CSV without a header line, in blocks written in parallel
    /// and returned in order ([`in_blocks`]). A group's text is made the
    /// first time its id is met, and again whenever the id comes with
    /// other values; a row whose values are not those kept (an id twice in
    /// `rows`) is written whole.
    pub fn blocks(&mut self, rows: &[GroupRow]) -> Result<Vec<Vec<u8>>> {
        for row in rows {
            self.remember(row);
        }
        let known = &*self;
        in_blocks(rows, |chunk| known.lines(chunk))
    }

    fn remember(&mut self, row: &GroupRow) {
        let (at, bits) = (row.group as usize, character_bits(row));
        if at >= self.characters.len() {
            self.characters.resize_with(at + 1, || None);
        }
        let slot = &mut self.characters[at];
        if slot.as_ref().is_none_or(|known| known.bits != bits) {
            *slot = Some(Character {
                bits,
                text: csv_line::trailing_floats(&bits.map(f64::from_bits)).into(),
            });
        }
    }

    /// The lines of rows, each character's text as kept where its values
    /// are the row's, the run's and the session's fields as the last row's
    /// where they are that row's.
    fn lines(&self, rows: &[GroupRow]) -> Result<Vec<u8>> {
        let (mut run, mut session) = (Repeated::default(), Repeated::default());
        lines_of(rows, |row, recent, out| {
            let kept = self
                .characters
                .get(row.group as usize)
                .and_then(Option::as_ref);
            let Some(character) = kept.filter(|kept| kept.bits == character_bits(row)) else {
                return csv_line::append(row, recent, out);
            };
            // The arm by where its text lies and its length: the rows are
            // borrowed for the whole call, so one address and length are
            // one text, and the run's rows share their arm's (an arm met
            // again at another address is written anew, the same bytes).
            let arm = (row.arm.as_ptr(), row.arm.len());
            let run_key = (row.run, row.replicate, arm);
            run.append(run_key, row, RUN, recent, out)?;
            csv_line::append_unsigned(row.group.into(), out);
            let session_key = (row.step, row.week.to_bits());
            session.append(session_key, row, SESSION, recent, out)?;
            append_figures(row, recent, out);
            out.extend_from_slice(&character.text);
            out.push(b'\n');
            Ok(())
        })
    }
}

/// The figures of `row` (from `members_active` to `retention`, each after
/// its delimiter), field by field in the row's order: the bytes
/// [`csv_line::append_fields`] writes for them. A mean of the members'
/// figures (cohesion, loneliness change) is new at nearly every row; the
/// shares of small counts (attendance, density, retention) and a small
/// group's clustering come back.
#[inline(always)]
fn append_figures(row: &GroupRow, recent: &mut RecentFloats, out: &mut Vec<u8>) {
    let mut fields = Fields::after(out, recent);
    fields.unsigned(row.members_active);
    fields.float(row.attendance_rate);
    fields.new_float(row.cohesion_mean);
    fields.float(row.density);
    fields.float(row.clustering);
    fields.unsigned(row.members_joined);
    fields.new_float(row.loneliness_change_mean);
    fields.float(row.retention);
}

/// Some fields of a row as text, with the values (`key`) they were made
/// from: copied while the rows that follow have the same values.
struct Repeated<K> {
    key: Option<K>,
    text: Vec<u8>,
}

impl<K> Default for Repeated<K> {
    fn default() -> Self {
        Repeated {
            key: None,
            text: Vec::new(),
        }
    }
}

impl<K: PartialEq> Repeated<K> {
    /// Appends `row`'s fields in `fields`, whose values are `key`: the text
    /// kept if it was made from the same values, else made anew (with the
    /// floats written lately, `recent`).
    #[inline(always)]
    fn append(
        &mut self,
        key: K,
        row: &GroupRow,
        fields: Range<usize>,
        recent: &mut RecentFloats,
        out: &mut Vec<u8>,
    ) -> std::result::Result<(), Unsupported> {
        if self.key.as_ref() != Some(&key) {
            self.text.clear();
            csv_line::append_fields(row, fields, recent, &mut self.text)?;
            self.key = Some(key);
        }
        out.extend_from_slice(&self.text);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use crate::output::rows::{header, headerless, headerless_blocks};

    /// The figures' fields and the character's, by their place in the row.
    const FIGURES: Range<usize> = 6..CHARACTER_FROM;
    const CHARACTER_FROM: usize = 14;

    #[test]
    fn figures_are_the_bytes_of_their_fields_walked_through_serde() {
        for i in 0..64u32 {
            let some = |bit: u32, v: f64| (i >> bit & 1 == 1).then_some(v);
            let row = GroupRow {
                members_active: u64::from(i * 7),
                attendance_rate: some(0, f64::from(i) / 9.0),
                cohesion_mean: some(1, f64::from(i) * 0.1 - 3.0),
                density: some(2, 1.0 / f64::from(i + 1)),
                clustering: some(3, f64::from(i % 3) / 3.0),
                members_joined: u64::from(i * 1000),
                loneliness_change_mean: some(4, -f64::from(i) / 7.0),
                retention: some(5, if i.is_multiple_of(2) { 1.0 } else { -0.0 }),
                ..GroupRow::default()
            };
            let (mut walked, mut written) = (Vec::new(), Vec::new());
            let mut recent = RecentFloats::default();
            csv_line::append_fields(&row, FIGURES, &mut recent, &mut walked).unwrap();
            append_figures(&row, &mut recent, &mut written);
            assert_eq!(
                String::from_utf8(written),
                String::from_utf8(walked),
                "{row:?}"
            );
        }
    }

    #[test]
    fn the_pieces_are_the_columns_they_stand_for() {
        let header = String::from_utf8(header::<GroupRow>()).unwrap();
        let columns: Vec<&str> = header.trim_end().split(',').collect();
        assert_eq!(columns.len(), CHARACTER_FROM + 3);
        assert_eq!(columns[RUN], ["run", "arm", "replicate"]);
        assert_eq!(columns[RUN.end], "group");
        assert_eq!(RUN.end + 1, SESSION.start);
        assert_eq!(SESSION.end, FIGURES.start);
        assert_eq!(columns[SESSION], ["step", "week"]);
        assert_eq!(FIGURES.end, CHARACTER_FROM);
        assert_eq!(
            columns[CHARACTER_FROM..],
            ["reply_norm", "safety_shift", "meeting_quality"]
        );
    }

    #[test]
    fn lines_are_the_bytes_of_every_field_formatted_anew() {
        // Four steps of 700 groups; at the third, some ids come back with
        // another character (as a later run's groups would). The run's
        // fields change from step to step (an arm that must be quoted,
        // another replicate, another run) and within a call (each of them
        // alone, and an arm that comes back), and so do the week while the
        // step stays (a week of -0 and of +0 written apart) and the step
        // while the week stays; none of the changes within a call at the
        // start of a block (of 175 rows on one thread, 88 on two). An
        // arm's name is known by where it lies: a copy elsewhere is the
        // same text, written the same.
        let mut lines = GroupLines::default();
        for step in 0..4u32 {
            let arm = ["group", "a \"large\", group", "group"][step as usize % 3];
            let rows: Vec<GroupRow> = (0..700u32)
                .map(|g| {
                    let other = step == 2 && g % 3 == 0;
                    let week = match g {
                        0..250 => f64::from(step),
                        250..550 => -f64::from(step),
                        _ => f64::from(step) + 0.5,
                    };
                    GroupRow {
                        run: u64::from(step / 3) * 12_345 + u64::from(g >= 600),
                        // Some rows own a copy of the arm's name: the same
                        // text at another address.
                        arm: match (g % 250 == 249, g % 7 == 3) {
                            (true, _) => Cow::Borrowed("waitlist"),
                            (false, true) => Cow::Owned(arm.to_string()),
                            (false, false) => Cow::Borrowed(arm),
                        },
                        replicate: step % 2 + u32::from(g >= 340),
                        group: g,
                        step: step + u32::from(g % 100 >= 90),
                        week,
                        members_active: u64::from(g % 11),
                        attendance_rate: (step > 0).then_some(f64::from(g) / 701.0),
                        cohesion_mean: Some(f64::from(g * step) / 7.0),
                        density: (g % 2 == 0).then_some(0.25),
                        members_joined: 10,
                        reply_norm: f64::from(g) * 0.013 - 4.0 + f64::from(u8::from(other)),
                        safety_shift: -0.1 / f64::from(g + 1),
                        meeting_quality: if other { -0.0 } else { 1e-5 * f64::from(g) },
                        ..GroupRow::default()
                    }
                })
                .collect();
            let blocks = lines.blocks(&rows).unwrap();
            assert_eq!(blocks.len(), headerless_blocks(&rows).unwrap().len());
            assert_eq!(
                String::from_utf8(blocks.concat()).unwrap(),
                String::from_utf8(headerless(&rows).unwrap()).unwrap(),
                "step {step}"
            );
        }
        assert!(lines.blocks(&[]).unwrap().is_empty());
        // One id twice in a call, with two characters: each row's own.
        let twice: Vec<GroupRow> = [0.5, -0.25, 0.5]
            .map(|reply_norm| GroupRow {
                group: 3,
                reply_norm,
                ..GroupRow::default()
            })
            .into();
        assert_eq!(
            lines.blocks(&twice).unwrap().concat(),
            headerless(&twice).unwrap()
        );
    }
}
