"""Downloads for a round: CSV and XLSX of the scores, and the PDF board pack, all suppression-aware."""
