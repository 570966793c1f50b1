from django import forms

from bankops.widgets import QuickSelect

CHOICES = [("", "全部"), ("HF", "合肥 <分行> & co"), ("WH", "芜湖")]


def test_a_quick_select_writes_what_a_select_would():
    for value in ("", "WH", None):
        assert QuickSelect(choices=CHOICES).render("unit", value, {"id": "id_unit"}) == forms.Select(
            choices=CHOICES
        ).render("unit", value, {"id": "id_unit"}).replace("\n", "").replace(">  <", "><")
