"""Shared plumbing every capability uses: reading tables, dates, postcodes and distances, the
data-quality log, constants, the "in care on a date" query.

Each of these was written several times over, once per capability, and the copies behaved
differently (a Windows-1252 file read cleanly by one reader was mangled by another). One module
per job here means one behaviour, one set of tests and one place to fix.
"""
