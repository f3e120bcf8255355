"""Patches s3s-fs 0.14.1 so that long object keys work.

s3s-fs keeps each object's metadata in a file named after the whole key in base64, in one
directory entry, so any key over about 116 bytes fails with "File name too long" (the limit is
the file system's 255 bytes per name, not S3's 1024 per key). Real archive keys are longer
(date, topic, meeting id, view, start time, file id). This keeps short names as they are and
gives long ones a prefix plus a 96-bit hash of the key. Only the local emulator is changed."""

import pathlib
import sys

fs_rs = pathlib.Path(sys.argv[1]) / "src" / "fs.rs"
source = fs_rs.read_text(encoding="utf-8")
MARKER = "// zoom-archiver: long keys"
if MARKER in source:
    sys.exit(0)
old = "let encode = |s: &str| base64_simd::URL_SAFE_NO_PAD.encode_to_string(s);"
new = (
    "let encode = |s: &str| { " + MARKER + "\n"
    "            let full = base64_simd::URL_SAFE_NO_PAD.encode_to_string(s);\n"
    "            if full.len() <= 120 { return full; }\n"
    "            let mut hasher = std::hash::DefaultHasher::new();\n"
    "            std::hash::Hash::hash(s, &mut hasher);\n"
    "            format!(\"{}~{:016x}{:08x}\", &full[..100], std::hash::Hasher::finish(&hasher), crc32c::crc32c(s.as_bytes()))\n"
    "        };"
)
count = source.count(old)
if count != 2:
    sys.exit(f"s3s-fs source changed: expected 2 key encoders in {fs_rs}, found {count}")
fs_rs.write_text(source.replace(old, new), encoding="utf-8")
