"""Statistics and disclosure control: plain Python (numpy and scipy), no Django.

Below findings, reports and national, which all use it: intervals and differences of
proportions with the finite population correction (``statistics``), primary and secondary
suppression with its audit (``disclosure``), the audit across every published table
(``linked``) and estimates that match a stratified design (``stratified``). Kept free of the
ORM so it can be tested, and reasoned about, without a database
(``tests/stats/test_no_django.py``).
"""
