namespace Guidelink.WeChat.Pay;

/// <summary>Human messages (zh-CN and English) for WeChat Pay's transfer fail_reason codes and for the business error
/// codes a refused request carries, so the console and the partner's page can say why a withdrawal failed.
/// Sources: WeChat Pay "订单失败原因说明" (doc 4013774966) and wechatpay-go FailReasonType (see
/// tests/Guidelink.WeChat.Tests/Vectors/wechatpay_v3.json); an unknown code is shown with a generic message and the code itself.</summary>
public static class TransferFailReasons
{
    private static readonly Dictionary<string, (string Zh, string En)> Messages = new(StringComparer.Ordinal)
    {
        // fail_reason of a FAIL bill
        ["ACCOUNT_FROZEN"] = ("收款用户的微信支付账户已被冻结", "The payee's WeChat Pay account is frozen."),
        ["ACCOUNT_NOT_EXIST"] = ("收款用户的微信支付账户不存在", "The payee's WeChat Pay account does not exist."),
        ["BANK_CARD_ACCOUNT_ABNORMAL"] = ("收款银行卡账户异常", "The payee's bank card account is abnormal."),
        ["BANK_CARD_BANK_INFO_WRONG"] = ("收款银行卡的开户行信息有误", "The payee's bank information is wrong."),
        ["BANK_CARD_CARD_INFO_WRONG"] = ("收款银行卡信息有误", "The payee's bank card information is wrong."),
        ["BANK_CARD_COLLECTIONS_ABOVE_QUOTA"] = ("收款银行卡超出收款限额", "The payee's bank card is above its collection quota."),
        ["BANK_CARD_PARAM_ERROR"] = ("收款银行卡参数有误", "The payee's bank card parameters are wrong."),
        ["BANK_CARD_STATUS_ABNORMAL"] = ("收款银行卡状态异常", "The payee's bank card is in an abnormal state."),
        ["BLOCK_B2C_USERLIMITAMOUNT_BSRULE_MONTH"] = ("超出用户单月收款额度(商户设置)", "The payee's monthly receiving limit set by the merchant is exceeded."),
        ["BLOCK_B2C_USERLIMITAMOUNT_MONTH"] = ("超出用户单月收款额度", "The payee's monthly receiving limit is exceeded."),
        ["DAY_RECEIVED_COUNT_EXCEED"] = ("超出用户单日收款次数上限", "The payee has reached the number of transfers allowed per day."),
        ["DAY_RECEIVED_QUOTA_EXCEED"] = ("超出用户单日收款额度", "The payee's daily receiving limit is exceeded."),
        ["EXCEEDED_ESTIMATED_AMOUNT"] = ("转账金额超出预约额度", "The amount exceeds the reserved (estimated) amount."),
        ["ID_CARD_NOT_CORRECT"] = ("收款用户身份证号码不正确", "The payee's ID card number is not correct."),
        ["MCH_CANCEL"] = ("商户已撤销该转账", "The merchant cancelled the transfer."),
        ["MERCHANT_REJECT"] = ("商户员工审批拒绝了该转账", "A merchant approver rejected the transfer."),
        ["MERCHANT_NOT_CONFIRM"] = ("商户员工未在规定时间内确认该转账", "The merchant did not confirm the transfer in time."),
        ["MONTH_RECEIVED_QUOTA_EXCEED"] = ("超出用户单月收款额度", "The payee's monthly receiving limit is exceeded."),
        ["NAME_NOT_CORRECT"] = ("收款用户姓名与实名信息不一致", "The payee's name does not match their real-name record."),
        ["OPENID_INVALID"] = ("收款用户的 OpenID 无效", "The payee's OpenID is invalid."),
        ["OTHER_FAIL_REASON_TYPE"] = ("其他原因导致转账失败", "The transfer failed for another reason."),
        ["OVERDUE_CLOSE"] = ("转账超时未完成,已关闭(如用户未在规定时间内确认收款)", "The transfer was closed after its deadline (e.g. the payee did not confirm in time)."),
        ["PAYEE_ACCOUNT_ABNORMAL"] = ("收款用户账户异常", "The payee's account is abnormal."),
        ["PAYER_ACCOUNT_ABNORMAL"] = ("商户付款账户异常", "The merchant's paying account is abnormal."),
        ["PRODUCT_AUTH_CHECK_FAIL"] = ("商户未开通商家转账产品权限", "The merchant has no permission for the transfer product."),
        ["REALNAME_ACCOUNT_RECEIVED_QUOTA_EXCEED"] = ("收款用户实名下所有账户超出收款额度", "The payee's real-name accounts together exceed their receiving limit."),
        ["REAL_NAME_CHECK_FAIL"] = ("收款用户未实名认证", "The payee has not completed real-name verification."),
        ["RECEIVE_ACCOUNT_NOT_CONFIGURE"] = ("商户未配置收款账户", "The merchant has not configured the receiving account."),
        ["RECEIVE_ACCOUNT_NOT_PERMMIT"] = ("收款账户不在商户允许的收款范围内", "The payee's account is not permitted to receive this transfer."),
        ["RESERVATION_INFO_NOT_MATCH"] = ("转账信息与预约信息不一致", "The transfer does not match its reservation."),
        ["RESERVATION_SCENE_NOT_MATCH"] = ("转账场景与预约场景不一致", "The transfer scene does not match its reservation."),
        ["RESERVATION_STATE_INVALID"] = ("预约单状态无效", "The reservation is no longer valid."),
        ["TRANSFER_QUOTA_EXCEED"] = ("超出商户单笔转账额度", "The amount exceeds the merchant's per-transfer limit."),
        ["TRANSFER_REMARK_SET_FAIL"] = ("转账备注设置失败", "The transfer remark could not be set."),
        ["TRANSFER_RISK"] = ("该笔转账存在风险,已被微信拦截", "WeChat Pay blocked the transfer as risky."),
        ["TRANSFER_SCENE_INVALID"] = ("转账场景无效", "The transfer scene is invalid."),
        ["TRANSFER_SCENE_UNAVAILABLE"] = ("转账场景暂不可用", "The transfer scene is unavailable."),

        // code of a refused request (TransferRejectedException.Code)
        ["PARAM_ERROR"] = ("请求参数错误", "The request's parameters are wrong."),
        ["INVALID_REQUEST"] = ("请求不符合业务规则", "The request breaks a business rule."),
        ["NOT_ENOUGH"] = ("商户账户余额不足", "The merchant's balance is not enough."),
        ["NO_AUTH"] = ("商户无此接口权限", "The merchant has no permission for this API."),
        ["SIGN_ERROR"] = ("签名错误,请检查商户证书与私钥", "The signature is wrong: check the merchant certificate and key."),
        ["FREQUENCY_LIMITED"] = ("请求过于频繁", "Too many requests."),
        ["SYSTEM_ERROR"] = ("微信支付系统繁忙", "WeChat Pay is busy."),
        ["NOT_FOUND"] = ("转账单不存在", "The transfer bill does not exist."),
    };

    /// <summary>Every code with a message.</summary>
    public static IReadOnlyCollection<string> Codes => Messages.Keys;

    public static bool IsKnown(string? code) => code is not null && Messages.ContainsKey(code);

    /// <summary>The message for <paramref name="code"/> in zh-CN, or in English when <paramref name="english"/>.</summary>
    public static string Describe(string? code, bool english = false)
    {
        if (code is not null && Messages.TryGetValue(code, out var message)) return english ? message.En : message.Zh;
        if (string.IsNullOrEmpty(code)) return english ? "The transfer failed." : "转账失败";
        return english ? $"The transfer failed ({code})." : $"转账失败({code})";
    }
}
