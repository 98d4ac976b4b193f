using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Guidelink.Core.Shared;

/// <summary>A Guid wrapped in a type of its own, so a StoreId can never be passed where a StaffId is meant.</summary>
public interface ITypedId
{
    Guid Value { get; }
}

public readonly record struct TenantId(Guid Value) : ITypedId
{
    public static TenantId New() => new(Guid.CreateVersion7());
    public static readonly TenantId None = new(Guid.Empty);
    public override string ToString() => Value.ToString();
}

public readonly record struct RegionId(Guid Value) : ITypedId
{
    public static RegionId New() => new(Guid.CreateVersion7());
    public override string ToString() => Value.ToString();
}

public readonly record struct StoreId(Guid Value) : ITypedId
{
    public static StoreId New() => new(Guid.CreateVersion7());
    public override string ToString() => Value.ToString();
}

public readonly record struct StaffId(Guid Value) : ITypedId
{
    public static StaffId New() => new(Guid.CreateVersion7());
    public override string ToString() => Value.ToString();
}

/// <summary>Stores any typed id as its Guid. Built by reflection once per type, because an expression
/// tree cannot call a constructor through a generic constraint.</summary>
public sealed class TypedIdConverter<T> : ValueConverter<T, Guid> where T : struct, ITypedId
{
    private static readonly Expression<Func<T, Guid>> ToGuid = BuildTo();
    private static readonly Expression<Func<Guid, T>> FromGuid = BuildFrom();

    public TypedIdConverter() : base(ToGuid, FromGuid) { }

    private static Expression<Func<T, Guid>> BuildTo()
    {
        var id = Expression.Parameter(typeof(T), "id");
        return Expression.Lambda<Func<T, Guid>>(Expression.Property(id, nameof(ITypedId.Value)), id);
    }

    private static Expression<Func<Guid, T>> BuildFrom()
    {
        var guid = Expression.Parameter(typeof(Guid), "guid");
        var ctor = typeof(T).GetConstructor([typeof(Guid)])
            ?? throw new InvalidOperationException($"{typeof(T).Name} needs a constructor taking a Guid.");
        return Expression.Lambda<Func<Guid, T>>(Expression.New(ctor, guid), guid);
    }
}

public readonly record struct CustomerId(Guid Value) : ITypedId
{
    public static CustomerId New() => new(Guid.CreateVersion7());
    public override string ToString() => Value.ToString();
}

public readonly record struct PartnerId(Guid Value) : ITypedId
{
    public static PartnerId New() => new(Guid.CreateVersion7());
    public override string ToString() => Value.ToString();
}
