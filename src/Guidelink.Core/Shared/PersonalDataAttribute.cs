namespace Guidelink.Core.Shared;

/// <summary>Marks a property as personal data: the audit log records it masked, so erasure stays possible.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PersonalDataAttribute : Attribute;
