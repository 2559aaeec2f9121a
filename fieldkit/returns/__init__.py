"""Running a data collection: return workbooks out to forces and back in, the checks HMIC
made on them, the query log and each force's sign-off (fieldkit returns ...)."""
