"""Patches s3s-fs 0.14.1 so that long object keys work and unknown uploads are NoSuchUpload.

s3s-fs keeps each object's metadata in a file named after the whole key in base64, in one
directory entry, so any key over about 116 bytes fails with "File name too long" (the limit is
the file system's 255 bytes per name, not S3's 1024 per key). Real archive keys are longer
(date, topic, meeting id, view, start time, file id). This keeps short names as they are and
gives long ones a prefix plus a 96-bit hash of the key.

For a multipart upload that does not exist (completed, aborted), S3 answers UploadPart,
ListParts, CompleteMultipartUpload and AbortMultipartUpload with 404 NoSuchUpload; s3s-fs
answers AccessDenied (and an empty ListParts), which hides the case the archiver recovers from
(a continuation whose upload is gone starts the file again). This makes it answer NoSuchUpload.
Only the local emulator is changed."""

import pathlib
import sys

fs_rs = pathlib.Path(sys.argv[1]) / "src" / "fs.rs"
s3_rs = pathlib.Path(sys.argv[1]) / "src" / "s3.rs"
def patch_long_keys():
    source = fs_rs.read_text(encoding="utf-8")
    marker = "// zoom-archiver: long keys"
    if marker in source:
        return
    old = "let encode = |s: &str| base64_simd::URL_SAFE_NO_PAD.encode_to_string(s);"
    new = (
        "let encode = |s: &str| { " + marker + "\n"
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


def patch_no_such_upload():
    s3_source = s3_rs.read_text(encoding="utf-8")
    if "// zoom-archiver: an unknown upload" in s3_source:
        return
    unknown = (
        "if self.verify_upload_id(req.credentials.as_ref(), &upload_id).await?.not() {\n"
        "            return Err(s3_error!(AccessDenied));"
    )
    count = s3_source.count(unknown)
    if count != 4:
        sys.exit(f"s3s-fs source changed: expected 4 upload id checks in {s3_rs}, found {count}")
    s3_source = s3_source.replace(unknown, unknown.replace("AccessDenied", "NoSuchUpload"))
    list_parts = (
        "let ListPartsInput {\n"
        "            bucket, key, upload_id, ..\n"
        "        } = req.input;\n"
    )
    if s3_source.count(list_parts) != 1:
        sys.exit(f"s3s-fs source changed: ListParts not found in {s3_rs}")
    s3_source = s3_source.replace(list_parts, list_parts + (
        "        // zoom-archiver: an unknown upload is NoSuchUpload, as on S3\n"
        "        match Uuid::parse_str(&upload_id) {\n"
        "            Ok(id) if self.verify_upload_id(req.credentials.as_ref(), &id).await? => {}\n"
        "            _ => return Err(s3_error!(NoSuchUpload)),\n"
        "        }\n"
    ))
    s3_rs.write_text(s3_source, encoding="utf-8")


patch_long_keys()
patch_no_such_upload()
