"""The study dataset for data managers: one table per form and one of patients, in a ZIP.

`tables` describes the tables and streams their rows from the user's scoped querysets;
`dataset` assembles the ZIP (tables, data dictionary, manifest) and logs the export; one
module per format writes the tables: `csv`, `xlsx`, `sas`, `stata`, `spss`, `odm`.
"""
