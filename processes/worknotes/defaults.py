"""Every tunable of the worknotes package."""

# Attachments
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024     # 10 MiB per file
UPLOAD_SUBDIR = "uploads"                   # under the Flask instance folder unless configured
STORED_NAME_BYTES = 16                      # random bytes in a stored file's name (32 hex chars)
MAX_FILENAME_CHARS = 120                    # of the name shown and offered on download
SNIFF_BYTES = 8192                          # how much of a file the type check reads

# Content types accepted, by magic bytes (never by the client's name or header), and the
# extension a download gets when the uploaded name does not already end in one of them.
ALLOWED_TYPES = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/webp": (".webp",),
    "image/heic": (".heic", ".heif"),
    "application/pdf": (".pdf",),
    "video/mp4": (".mp4", ".m4v"),
    "video/quicktime": (".mov", ".qt"),
}
ALLOWED_LABEL = "JPEG, PNG, WebP or HEIC images, PDF documents, MP4 or QuickTime videos"

# Comments
MAX_COMMENT_CHARS = 5000

# Display
PRIORITY_HIGH = 70                          # camunda:priority at or above: "high"
PRIORITY_LOW = 30                           # at or below: "low"
