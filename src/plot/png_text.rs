//! The PNG charts' bitmap backend, with each letter of a text drawn where
//! it belongs.
//!
//! `plotters` draws a bitmap's text through `ab_glyph` but puts each
//! letter's ink at the pen's position, without the letter's left side
//! bearing (the gap between the pen and the ink), so a letter with a wide
//! bearing crowds the one before it: "clustering" read "dustering", and
//! "group_size" "group _size". [`PngBackend`] is the bitmap backend with
//! text drawn from the same font, each letter's ink at its pen position
//! plus its bearing, as a text renderer lays it out; every other shape is
//! the bitmap backend's own. The SVG charts hold text as text and do not
//! meet this.

use ab_glyph::{Font, FontRef, ScaleFont};
use plotters::backend::BitMapBackend;
use plotters::prelude::DrawingBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// DejaVu Sans (Bitstream Vera licence, see `fonts/LICENSE-DejaVu.txt`).
pub(crate) const FONT: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");

/// The sizes of the charts' text, in pixels. Each is even: plotters sets
/// a glyph at half the text's size below its top, cut to whole pixels
/// toward zero, so at an odd size a full stop or a comma (below the
/// middle) moves up a pixel where a digit (above it) moves down, and
/// "0.5" reads as "0·5".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextSize {
    /// A chart's title.
    Title = 26,
    /// A message in place of a chart, and a panel's heading.
    Heading = 18,
    /// A panel's caption, an axis's description, the legend's heading.
    Caption = 16,
    /// Tick labels, the legend's entries, notes.
    Label = 14,
}

/// A bitmap backend whose text is drawn letter by letter, each letter at
/// its pen position plus its side bearing.
pub struct PngBackend<'a> {
    bitmap: BitMapBackend<'a>,
    font: FontRef<'static>,
}

impl<'a> PngBackend<'a> {
    /// `bitmap`, its text drawn in the charts' one font.
    pub fn new(bitmap: BitMapBackend<'a>) -> Self {
        PngBackend {
            bitmap,
            font: charts_font(),
        }
    }
}

/// The font every chart is drawn in ([`FONT`]).
fn charts_font() -> FontRef<'static> {
    FontRef::try_from_slice(FONT).expect("the charts' embedded font parses")
}

type Drawn<E> = Result<(), DrawingErrorKind<E>>;

impl DrawingBackend for PngBackend<'_> {
    type ErrorType = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.bitmap.get_size()
    }

    fn ensure_prepared(&mut self) -> Drawn<Self::ErrorType> {
        self.bitmap.ensure_prepared()
    }

    fn present(&mut self) -> Drawn<Self::ErrorType> {
        self.bitmap.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Drawn<Self::ErrorType> {
        self.bitmap.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Drawn<Self::ErrorType> {
        self.bitmap.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Drawn<Self::ErrorType> {
        self.bitmap.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Drawn<Self::ErrorType> {
        self.bitmap.blit_bitmap(pos, size, src)
    }

    /// The text as `plotters` places it (its layout box, anchor and
    /// rotation), each letter's ink at its pen position plus its bearing.
    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Drawn<Self::ErrorType> {
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        let ((min_x, min_y), (max_x, max_y)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => min_x - max_x,
            HPos::Center => (min_x - max_x) / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => (min_y - max_y) / 2,
            VPos::Bottom => min_y - max_y,
        };
        let turn = style.transform();
        let (w, h) = self.get_size();
        let font = self.font.clone();
        draw_letters(&font, style.size() as f32, text, |x, y, ink| {
            let (x, y) = turn.transform(x + dx - min_x, y + dy - min_y);
            let (x, y) = (pos.0 + x, pos.1 + y);
            if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 {
                let alpha = colour.alpha * f64::from(ink);
                self.draw_pixel((x, y), BackendColor { alpha, ..colour })
            } else {
                Ok(())
            }
        })
    }
}

/// How wide `text` is, in pixels, set in the charts' font at `size`
/// pixels an em: its letters' advances and the kerning between them, as
/// the pen moves when the letters are drawn.
pub fn text_width(text: &str, size: f32) -> f32 {
    let font = charts_font();
    let font = font.as_scaled(size);
    let mut before = None;
    let mut width = 0.0;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(before) = before {
            width += font.kern(before, id);
        }
        before = Some(id);
        width += font.h_advance(id);
    }
    width
}

/// Every inked pixel of `text` in `font` at `size` pixels an em: its
/// position (the text's pen starting at 0, the em's middle at `size` / 2,
/// as `plotters` sets a line) and its coverage, 0–1.
fn draw_letters<E>(
    font: &FontRef<'static>,
    size: f32,
    text: &str,
    mut draw: impl FnMut(i32, i32, f32) -> Result<(), E>,
) -> Result<(), E> {
    let font = font.as_scaled(size);
    let mut pen = 0.0f32;
    let mut before = None;
    for c in text.chars() {
        let id = font.glyph_id(c);
        if let Some(before) = before {
            pen += font.kern(before, id);
        }
        before = Some(id);
        let letter = id.with_scale_and_position(size, ab_glyph::point(pen, 0.0));
        if let Some(outline) = font.outline_glyph(letter) {
            let ink = outline.px_bounds();
            let (left, top) = (ink.min.x as i32, (size / 2.0 + ink.min.y) as i32);
            let mut pixels = Vec::new();
            outline.draw(|x, y, coverage| pixels.push((x as i32, y as i32, coverage)));
            for (x, y, coverage) in pixels {
                draw(left + x, top + y, coverage)?;
            }
        }
        pen += font.h_advance(id);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The leftmost and rightmost inked columns of `text`.
    fn ink_columns(text: &str) -> (i32, i32) {
        let font = charts_font();
        let (mut left, mut right) = (i32::MAX, i32::MIN);
        draw_letters::<()>(&font, 40.0, text, |x, _, coverage| {
            if coverage > 0.5 {
                left = left.min(x);
                right = right.max(x);
            }
            Ok(())
        })
        .unwrap();
        (left, right)
    }

    #[test]
    fn a_texts_width_is_where_the_pen_stands_after_it() {
        let font = charts_font();
        let scaled = font.as_scaled(40.0);
        let l = scaled.glyph_id('l');
        let (_, l_alone) = ink_columns("l");
        for text in ["12, in_person, facilitated", "0.5", "group_size"] {
            // An l set after the text ends where the l alone ends, moved
            // by the text's width (and the kerning between them).
            let last = scaled.glyph_id(text.chars().last().unwrap());
            let (_, after) = ink_columns(&format!("{text}l"));
            let moved = text_width(text, 40.0) + scaled.kern(last, l);
            let expected = l_alone as f32 + moved;
            assert!(
                (after as f32 - expected).abs() <= 1.0,
                "{text}: {after} {expected}"
            );
        }
    }

    #[test]
    fn a_letters_ink_begins_at_its_pen_position_plus_its_bearing() {
        let font = charts_font();
        let scaled = font.as_scaled(40.0);
        let (space, l) = (scaled.glyph_id(' '), scaled.glyph_id('l'));
        let bearing = scaled.h_side_bearing(l);
        assert!(bearing >= 2.0, "a bearing wide enough to see: {bearing}");
        // Alone, and after a space (which has no ink): the l's ink starts
        // its bearing to the right of its pen.
        let near = |found: i32, at: f32| (found - at.floor() as i32).abs() <= 1;
        let alone = ink_columns("l");
        assert!(near(alone.0, bearing), "{alone:?} {bearing}");
        let pen = scaled.h_advance(space) + scaled.kern(space, l);
        let after = ink_columns(" l");
        assert!(near(after.0, pen + bearing), "{after:?} {pen} {bearing}");
    }
}
