using PhoneNumbers;

namespace Guidelink.Core.Features.Customers;

/// <summary>A mainland China mobile number in E.164 (+8613812345678). Input may carry spaces, dashes, a
/// leading 0086 or +86; anything that is not a valid mainland mobile number is refused.</summary>
public static class PhoneNumber
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    public static bool TryNormalize(string? input, out string e164)
    {
        e164 = "";
        if (string.IsNullOrWhiteSpace(input)) return false;
        var text = input.Trim();
        if (text.StartsWith("0086", StringComparison.Ordinal)) text = "+86" + text[4..];
        try
        {
            var number = Util.Parse(text, "CN");
            if (number.CountryCode != 86 || !Util.IsValidNumberForRegion(number, "CN")) return false;
            if (Util.GetNumberType(number) is not (PhoneNumberType.MOBILE or PhoneNumberType.FIXED_LINE_OR_MOBILE)) return false;
            e164 = Util.Format(number, PhoneNumberFormat.E164);
            return true;
        }
        catch (NumberParseException)
        {
            return false;
        }
    }

    /// <summary>"+8613812345678" → "138****5678": what every role without the PII permission sees.</summary>
    public static string Mask(string e164)
    {
        var national = e164.StartsWith("+86", StringComparison.Ordinal) ? e164[3..] : e164;
        return national.Length >= 7 ? string.Concat(national.AsSpan(0, 3), "****", national.AsSpan(national.Length - 4)) : "****";
    }
}
