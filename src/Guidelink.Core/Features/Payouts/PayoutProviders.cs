namespace Guidelink.Core.Features.Payouts;

/// <summary>Picks the provider a brand's setting names ("Manual", "WeChatPayTransfer") among those registered.
/// Guidelink.WeChat registers WeChatPayTransfer; Core registers Manual.</summary>
public sealed class PayoutProviders(IEnumerable<IPayoutProvider> providers)
{
    public IPayoutProvider? For(string kind) => providers.LastOrDefault(p => p.Kind == kind);
}
