"""Personal data in free text. Two modules, so that the capture app's check as you type loads
no database code:

- `fieldkit.privacy.scan`: `scan(text)`, the pure scanner (names, phone numbers, emails,
  postcodes, dates of birth);
- `fieldkit.privacy.database`: `find_pii` over a database's stored free text, `scrub` to a copy
  without it, `read_key` for a team's scrub key.
"""
