from django import forms

from bulletin.models import Publication


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="往期文件",
        help_text="Word 文件（.docx）或 UTF-8 编码的纯文本文件（.txt），最大 20 MB。",
        error_messages={"required": "请选择要导入的文件。", "empty": "上传的文件是空的。"},
    )
    publication = forms.ModelChoiceField(
        label="刊物", queryset=Publication.objects.all(), empty_label=None,
        error_messages={"invalid_choice": "请选择有效的刊物。"},
    )
    create_sections = forms.BooleanField(
        label="允许新增栏目", required=False,
        help_text="文件中出现刊物没有的栏目时新建该栏目；不勾选则拒绝导入。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        publications = Publication.objects.all()
        if publications.count() == 1:
            self.fields["publication"].initial = publications.first()
            self.fields["publication"].widget = forms.HiddenInput()
        self.fields["file"].widget.attrs["accept"] = ".docx,.txt,text/plain"
