//! `members.csv`'s lines, written field by field.
//!
//! A run writes a row for every member who came: a million rows for a
//! million-member community. Walked through `serde`, each of a row's 37
//! fields costs a call for its kind besides its formatting; written here
//! by kind ([`Fields`]), in the row's order, the numbers' thin methods are
//! inlined into one loop. The bytes are those [`super::rows::headerless`]
//! writes for the same rows (a test holds them to it over rows with every
//! optional field empty and every one filled).

use super::csv_line::{Fields, RecentFloats, Unsupported};
use super::rows::{MemberRow, in_blocks, lines_of};
use crate::error::Result;

/// `rows` as CSV without a header line, in blocks written in parallel and
/// returned in order ([`in_blocks`]).
pub fn blocks(rows: &[MemberRow]) -> Result<Vec<Vec<u8>>> {
    in_blocks(rows, |chunk| lines_of(chunk, append_member))
}

/// Appends `row` as one line, terminator included.
fn append_member(
    row: &MemberRow,
    recent: &mut RecentFloats,
    out: &mut Vec<u8>,
) -> std::result::Result<(), Unsupported> {
    let mut f = Fields::line(out, recent);
    f.unsigned(row.run);
    f.unsigned(row.replicate);
    f.unsigned(row.member);
    f.unsigned(row.group);
    f.text(&row.arm);
    f.value(&row.status)?;
    f.maybe_unsigned(row.joined_step);
    f.maybe_unsigned(row.left_step);
    f.unsigned(row.tenure);
    f.unsigned(row.sessions_attended);
    f.float(Some(row.loneliness_start));
    f.float(Some(row.loneliness_end));
    f.float(row.loneliness_at_exit);
    f.float(Some(row.hope_start));
    f.float(Some(row.hope_end));
    f.float(Some(row.stigma_start));
    f.float(Some(row.stigma_end));
    f.float(row.cohesion);
    f.maybe_unsigned(row.improved_after);
    f.maybe_unsigned(row.hopeful_step);
    f.unsigned(row.disclosures);
    f.unsigned(row.replies_received);
    f.unsigned(row.replies_given);
    f.float(row.posting_propensity);
    f.maybe_unsigned(row.posts);
    f.maybe_unsigned(row.first_post_step);
    f.value(&row.first_post_answered)?;
    f.unsigned(row.ties);
    f.unsigned(row.friends);
    f.unsigned(row.close_friends);
    f.unsigned(row.beyond_ties);
    f.float(Some(row.tie_support));
    f.float(row.strength);
    f.maybe_unsigned(row.core_number);
    f.maybe_unsigned(row.community_ties);
    f.maybe_unsigned(row.baseline_row);
    f.value(&row.baseline_id)?;
    out.push(b'\n');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::MemberStatus;
    use crate::output::rows::{header, headerless};

    /// A row with every field set to a value of its own (the texts with a
    /// delimiter and a quote), and one with every optional field empty.
    fn full_and_empty(i: u32) -> [MemberRow; 2] {
        let x = |k: u32| (i * 37 + k) as f32 / 7.0;
        let full = MemberRow {
            run: u64::from(i) * 1_000_003,
            replicate: i % 3,
            member: u64::from(i) * 11 + 123_456,
            group: i / 4,
            arm: format!("arm {i}, \"peer\""),
            status: [MemberStatus::Active, MemberStatus::DroppedOut][i as usize % 2],
            joined_step: Some(i % 52),
            left_step: Some(i % 52 + 1),
            tenure: i % 53,
            sessions_attended: i % 41 + 1000,
            loneliness_start: x(1),
            loneliness_end: -x(2),
            loneliness_at_exit: Some(x(3)),
            hope_start: x(4) * 1e-7,
            hope_end: x(5) * 1e9,
            stigma_start: f32::from(u8::try_from(i % 200).unwrap()),
            stigma_end: -0.0,
            cohesion: Some(x(8)),
            improved_after: Some(i % 7),
            hopeful_step: Some(i),
            disclosures: i % 11,
            replies_received: i * 3,
            replies_given: i * 5 + 99,
            posting_propensity: Some(x(9)),
            posts: Some(i % 13),
            first_post_step: Some(i % 17),
            first_post_answered: Some(i.is_multiple_of(2)),
            ties: i % 9,
            friends: i % 5,
            close_friends: i % 3,
            beyond_ties: i % 4,
            tie_support: x(10),
            strength: Some(x(11) * 100.0),
            core_number: Some(i % 6),
            community_ties: Some(i % 23),
            baseline_row: Some(i + 1),
            baseline_id: Some(format!("id,{i}")),
        };
        let empty = MemberRow {
            joined_step: None,
            left_step: None,
            loneliness_at_exit: None,
            cohesion: None,
            improved_after: None,
            hopeful_step: None,
            posting_propensity: None,
            posts: None,
            first_post_step: None,
            first_post_answered: None,
            strength: None,
            core_number: None,
            community_ties: None,
            baseline_row: None,
            baseline_id: None,
            ..full.clone()
        };
        [full, empty]
    }

    #[test]
    fn lines_are_the_bytes_of_the_rows_walked_through_serde() {
        let rows: Vec<MemberRow> = (0..300).flat_map(full_and_empty).collect();
        let by_walk = headerless(&rows).unwrap();
        assert_eq!(
            String::from_utf8(blocks(&rows).unwrap().concat()).unwrap(),
            String::from_utf8(by_walk).unwrap()
        );
        // As many fields as the header has columns.
        let columns = header::<MemberRow>().iter().filter(|&&b| b == b',').count();
        let mut one = Vec::new();
        let plain = MemberRow::default();
        append_member(&plain, &mut RecentFloats::default(), &mut one).unwrap();
        assert_eq!(one.iter().filter(|&&b| b == b',').count(), columns);
        assert!(blocks(&[]).unwrap().is_empty());
    }
}
