//! Byte searches over a whole plan, a block of bytes at a time: the loops over one fixed-size
//! block compile to vector compares (16 or 32 bytes an instruction), where a test of each byte
//! in turn costs several instructions a byte. `golivec check` runs them on every file, which an
//! editor does on every save (bench/README.md, "Start-up").

const BLOCK: usize = 32;

/// The bits of `block` (up to 32 bytes) for which `hit` holds: bit `i` for `block[i]`.
#[inline(always)]
fn mask(block: &[u8], hit: impl Fn(u8) -> bool) -> u32 {
    let mut mask = 0;
    for (index, &byte) in block.iter().enumerate() {
        mask |= u32::from(hit(byte)) << index;
    }
    mask
}

/// The offset of every `byte` in `haystack`, in order.
pub(crate) fn offsets_of(haystack: &[u8], byte: u8) -> Vec<usize> {
    let mut offsets = Vec::new();
    let mut blocks = haystack.chunks_exact(BLOCK);
    let mut base = 0;
    for block in &mut blocks {
        let mut found = mask(block, |candidate| candidate == byte);
        while found != 0 {
            offsets.push(base + found.trailing_zeros() as usize);
            found &= found - 1;
        }
        base += BLOCK;
    }
    let rest = blocks.remainder();
    offsets.extend(rest.iter().enumerate().filter(|&(_, &candidate)| candidate == byte).map(|(index, _)| base + index));
    offsets
}

/// The offset of the first `\n` or `\r` at or after `from`, or the length of `haystack`: where
/// the line that `from` is on ends.
pub(crate) fn line_end(haystack: &[u8], from: usize) -> usize {
    let ends = |byte: u8| byte == b'\n' || byte == b'\r';
    let rest = haystack.get(from..).unwrap_or_default();
    let mut blocks = rest.chunks_exact(BLOCK / 2);
    let mut base = from;
    for block in &mut blocks {
        let found = mask(block, ends);
        if found != 0 {
            return base + found.trailing_zeros() as usize;
        }
        base += BLOCK / 2;
    }
    let rest = blocks.remainder();
    base + rest.iter().position(|&byte| ends(byte)).unwrap_or(rest.len())
}
