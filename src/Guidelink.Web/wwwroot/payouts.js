// 确认收款: hands a WaitUserConfirm bill's package to WeChat (works only inside WeChat's browser, where
// WeixinJSBridge exists). Event delegation, so it also works after Blazor's enhanced navigation.
document.addEventListener('click', function (e) {
  var button = e.target.closest && e.target.closest('[data-wx-package]');
  if (!button) return;
  e.preventDefault();
  var message = document.getElementById('wx-message');
  if (typeof WeixinJSBridge === 'undefined') {
    if (message) message.textContent = button.dataset.notWechat;
    return;
  }
  WeixinJSBridge.invoke('requestMerchantTransfer', {
    mchId: button.dataset.mchId,
    appId: button.dataset.appId,
    package: button.dataset.wxPackage
  }, function (res) {
    if (res.err_msg === 'requestMerchantTransfer:ok') location.reload();
    else if (message) message.textContent = button.dataset.failed;
  });
});
