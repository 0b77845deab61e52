//! Draws a captcha as a PNG: 5 characters from a 5×7 bitmap font, each scaled, shifted and sheared at random,
//! over noise dots and crossing lines. No font files and no image library: the PNG is encoded directly.

use rand::Rng;

/// Characters used: no 0/O, 1/I/L or Q, which citizens confuse.
pub const ALPHABET: &[u8] = b"ABCDEFGHJKMNPRSTUVWXYZ23456789";

const WIDTH: usize = 180;
const HEIGHT: usize = 64;
const SCALE: usize = 5;

fn glyph(c: u8) -> [&'static str; 7] {
    match c {
        b'A' => [".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
        b'B' => ["####.", "#...#", "#...#", "####.", "#...#", "#...#", "####."],
        b'C' => [".###.", "#...#", "#....", "#....", "#....", "#...#", ".###."],
        b'D' => ["####.", "#...#", "#...#", "#...#", "#...#", "#...#", "####."],
        b'E' => ["#####", "#....", "#....", "####.", "#....", "#....", "#####"],
        b'F' => ["#####", "#....", "#....", "####.", "#....", "#....", "#...."],
        b'G' => [".###.", "#...#", "#....", "#.###", "#...#", "#...#", ".####"],
        b'H' => ["#...#", "#...#", "#...#", "#####", "#...#", "#...#", "#...#"],
        b'J' => ["..###", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."],
        b'K' => ["#...#", "#..#.", "#.#..", "##...", "#.#..", "#..#.", "#...#"],
        b'M' => ["#...#", "##.##", "#.#.#", "#.#.#", "#...#", "#...#", "#...#"],
        b'N' => ["#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#", "#...#"],
        b'P' => ["####.", "#...#", "#...#", "####.", "#....", "#....", "#...."],
        b'R' => ["####.", "#...#", "#...#", "####.", "#.#..", "#..#.", "#...#"],
        b'S' => [".####", "#....", "#....", ".###.", "....#", "....#", "####."],
        b'T' => ["#####", "..#..", "..#..", "..#..", "..#..", "..#..", "..#.."],
        b'U' => ["#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."],
        b'V' => ["#...#", "#...#", "#...#", "#...#", "#...#", ".#.#.", "..#.."],
        b'W' => ["#...#", "#...#", "#...#", "#.#.#", "#.#.#", "#.#.#", ".#.#."],
        b'X' => ["#...#", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", "#...#"],
        b'Y' => ["#...#", "#...#", ".#.#.", "..#..", "..#..", "..#..", "..#.."],
        b'Z' => ["#####", "....#", "...#.", "..#..", ".#...", "#....", "#####"],
        b'2' => [".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"],
        b'3' => ["#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."],
        b'4' => ["...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."],
        b'5' => ["#####", "#....", "####.", "....#", "....#", "#...#", ".###."],
        b'6' => ["..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."],
        b'7' => ["#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."],
        b'8' => [".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."],
        b'9' => [".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."],
        _ => ["#####"; 7],
    }
}

/// A random answer of `len` characters from [`ALPHABET`].
pub fn random_text(len: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..len).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// Renders `text` to a grayscale PNG.
pub fn png(text: &str) -> Vec<u8> {
    let mut rng = rand::thread_rng();
    let mut pixels = vec![255u8; WIDTH * HEIGHT];
    for _ in 0..500 {
        let (x, y) = (rng.gen_range(0..WIDTH), rng.gen_range(0..HEIGHT));
        pixels[y * WIDTH + x] = rng.gen_range(90..200);
    }
    let mut x0 = 8usize;
    for c in text.bytes() {
        let y0 = rng.gen_range(4..HEIGHT - 7 * SCALE - 2);
        let shear: f32 = rng.gen_range(-0.35..0.35);
        let ink: u8 = rng.gen_range(0..70);
        for (row, bits) in glyph(c).iter().enumerate() {
            for (col, bit) in bits.bytes().enumerate() {
                if bit != b'#' {
                    continue;
                }
                for dy in 0..SCALE {
                    for dx in 0..SCALE {
                        let y = y0 + row * SCALE + dy;
                        let slant = (shear * (y as f32 - HEIGHT as f32 / 2.0)) as isize;
                        let x = (x0 + col * SCALE + dx) as isize + slant;
                        if (0..WIDTH as isize).contains(&x) && y < HEIGHT {
                            pixels[y * WIDTH + x as usize] = ink;
                        }
                    }
                }
            }
        }
        x0 += 5 * SCALE + rng.gen_range(4..9);
    }
    for _ in 0..4 {
        let (mut y, slope) = (rng.gen_range(0..HEIGHT) as f32, rng.gen_range(-0.4f32..0.4));
        for x in 0..WIDTH {
            y += slope;
            if (0.0..HEIGHT as f32).contains(&y) {
                pixels[y as usize * WIDTH + x] = 60;
            }
        }
    }
    encode(&pixels)
}

fn encode(pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, WIDTH as u32, HEIGHT as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let written = encoder.write_header().and_then(|mut writer| writer.write_image_data(pixels));
        if let Err(error) = written {
            tracing::error!(%error, "captcha PNG encoding failed");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_has_a_glyph_and_png_decodes() {
        for c in ALPHABET {
            assert_ne!(glyph(*c), ["#####"; 7], "{}", *c as char);
        }
        let bytes = png(&random_text(5));
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let reader = decoder.read_info();
        assert!(reader.is_ok());
        let info = reader.map(|r| (r.info().width, r.info().height)).unwrap_or_default();
        assert_eq!(info, (WIDTH as u32, HEIGHT as u32));
    }
}
