"""The XLSX template of each import KIND, for bank staff to fill in.

Sheet 1 is the header row only, the columns named in Chinese (the import takes those names as
well as the INTERFACES.md ones): required columns bold on yellow, each header with a comment
giving its contract name and format, a drop-down on choice and yes/no columns, and cell formats
that keep what is typed as the import reads it (codes as text, so 0101 stays 0101; dates as
YYYY-MM-DD, so that a CSV saved from it holds them so). Sheet 2 「填写说明」 explains each column,
sheet 3 「可选值」 lists the allowed values of each choice column with their Chinese names.

The template is Chinese whatever the page's language: its headers must be the names the import
matches, and those are the Chinese ones.
"""

import io

from django.utils import translation
from django.utils.translation import gettext as _

from . import parsers
from .engine import REGISTRY, UsageError

INSTRUCTIONS = "填写说明"
CHOICES = "可选值"
LAST_ROW = 1_048_576  # Excel's last row: drop-downs and formats cover the whole column


def _number_format(parse):
    """The cell format that keeps typed values in the form the import reads."""
    if parse is parsers.date:
        return "yyyy-mm-dd"
    if parse is parsers.month:
        return "yyyy-mm"
    if parse is parsers.money:
        return "0.00"
    return "@"  # text: codes keep their leading zeros, choices and yes/no stay as typed


def template_workbook(kind):
    """The template of `kind` as XLSX bytes."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    try:
        importer = REGISTRY[kind]
    except KeyError:
        raise UsageError(
            _("Unknown import kind %(kind)s; the kinds are: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(sorted(REGISTRY))}
        ) from None
    bold, required_fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")

    with translation.override("zh-hans"):
        book = Workbook()
        data = book.active
        data.title = kind
        instructions = book.create_sheet(INSTRUCTIONS)
        values = book.create_sheet(CHOICES)

        # Sheet 3 first: the drop-downs of sheet 1 refer to its ranges.
        values.append(["列名", "导入列名", "值", "中文名称"])
        lists = {}
        for column in importer.columns:
            if not column.choices:
                continue
            first = values.max_row + 1
            for value, label in column.choices:
                values.append([str(column.label or column.name), column.name, value, str(label)])
            lists[column.name] = f"{quote_sheetname(CHOICES)}!$D${first}:$D${values.max_row}"

        instructions.append(["列名", "导入列名", "必填", "格式"])
        for position, column in enumerate(importer.columns, start=1):
            letter = get_column_letter(position)
            label = str(column.label or column.name)
            required = "必填" if column.required else "选填"
            fmt = str(column.format or "")
            cell = data.cell(row=1, column=position, value=label)
            cell.comment = Comment(f"{column.name}\n{required}\n{fmt}", "BankOps", width=240, height=110)
            if column.required:
                cell.font, cell.fill = bold, required_fill
            data.column_dimensions[letter].width = max(12, 2.2 * len(label) + 2)
            data.column_dimensions[letter].number_format = _number_format(column.parse)
            instructions.append([label, column.name, "是" if column.required else "否", fmt])

            if column.name in lists or column.parse is parsers.boolean:
                formula = '"是,否"' if column.parse is parsers.boolean else lists[column.name]
                validation = DataValidation(
                    type="list",
                    formula1=formula,
                    allow_blank=not column.required,
                    showErrorMessage=True,
                    errorStyle="warning",
                    errorTitle=label,
                    error="请从下拉列表中选择（也可填写英文代码）。",
                )
                validation.add(f"{letter}2:{letter}{LAST_ROW}")
                data.add_data_validation(validation)
        data.freeze_panes = "A2"

        notes = [
            "第一行是列名：中文列名或导入列名（英文）均可，列的顺序不限；选填的列可以删去，删去的列导入时保持原值不变。",
            "从第二行起每行一条记录；空单元格表示“无”。",
            "整个文件要么全部导入，要么一行也不导入：有错误时会列出每个错误的行号和列名。",
            "日期填 YYYY-MM-DD（如 2026-01-31），月份填 YYYY-MM（如 2026-01），金额以元为单位、最多两位小数。",
            "是/否列填 是 或 否（也可填 1/0、true/false）。",
            "不要填写公式：请粘贴数值（选择性粘贴 → 数值）。",
            "保存为 Excel 工作簿 (.xlsx) 或 CSV UTF-8 (逗号分隔)；Excel 的“CSV (逗号分隔)”（GBK 编码）也可以导入。",
        ]
        instructions.append([])
        for note in notes:
            instructions.append([note])
        for sheet, widths in ((instructions, (22, 22, 8, 60)), (values, (22, 22, 22, 22))):
            for position, width in enumerate(widths, start=1):
                sheet.column_dimensions[get_column_letter(position)].width = width
            for cell in sheet[1]:
                cell.font = bold

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
