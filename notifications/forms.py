from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Channel, MessageTemplate
from notifications.phones import normalize_phone
from notifications.rendering import PLACEHOLDERS, unknown_placeholders


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["subject", "body", "whatsapp_template"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6, "data-sms-count": "1"})}

    def clean_body(self):
        body = self.cleaned_data["body"]
        unknown = unknown_placeholders(body)
        if unknown:
            raise forms.ValidationError(
                _("Isian tidak dikenal: %(names)s. Yang boleh: %(allowed)s.")
                % {
                    "names": ", ".join(unknown),
                    "allowed": ", ".join("{" + n + "}" for n in PLACEHOLDERS),
                }
            )
        return body

    def clean_subject(self):
        subject = self.cleaned_data["subject"]
        if unknown_placeholders(subject):
            raise forms.ValidationError(_("Subjek memakai isian yang tidak dikenal."))
        return subject


class ChannelOrderForm(forms.Form):
    first = forms.ChoiceField(label=_("Pertama"), choices=Channel.choices)
    second = forms.ChoiceField(label=_("Kedua"), choices=Channel.choices)
    third = forms.ChoiceField(label=_("Ketiga"), choices=Channel.choices)

    def clean(self):
        data = super().clean()
        chosen = [data.get("first"), data.get("second"), data.get("third")]
        if len(set(chosen)) != 3:
            raise forms.ValidationError(_("Setiap saluran harus dipilih tepat sekali."))
        data["order"] = chosen
        return data


class ContactForm(forms.Form):
    phone = forms.CharField(label=_("Nomor HP"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    language = forms.ChoiceField(
        label=_("Bahasa pesan"), choices=[("id", "Indonesia"), ("en", "English")], initial="id"
    )
    consent = forms.MultipleChoiceField(
        label=_("Penduduk setuju menerima pesan lewat"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def clean_phone(self):
        raw = self.cleaned_data["phone"].strip()
        if raw and not normalize_phone(raw):
            raise forms.ValidationError(
                _("Nomor HP tidak sah. Tulis nomor seluler Indonesia, mis. 0812-3456-7890.")
            )
        return raw
