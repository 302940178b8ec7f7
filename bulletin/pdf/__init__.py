"""The issue's PDF: `render` lays it out with WeasyPrint (no models), `store` keeps one rendered
file per content version and serves it. Layout: templates/pdf/issue.html and static/css/pdf.css.
`typesetting` (Django-free) justifies Chinese lines and breaks titles between words; `lines` reads
a rendered PDF back line by line (pdftotext) for the tests and bench/justify.py."""
