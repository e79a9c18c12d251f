"""The customer-facing sentences of a transaction diagnosis, in English and Simplified Chinese.

They live here rather than in the gettext catalogue on purpose: they are the product of the
diagnosis (tested in both languages, worded for customers, who may not speak the agent UI's
language) and must stay in step with the facts. ``explain.py`` composes them; a clarity review
reads them through ``bench/render_explanations.py`` (see docs/reviews/diagnosis-clarity.md).
"""

from __future__ import annotations

EN, ZH = "en", "zh-hans"

T: dict[str, dict[str, str]] = {
    # --- titles ---
    "title.invalid_hash": {
        EN: "This doesn't look like a transaction ID",
        ZH: "这看起来不是一个交易哈希（TxID）",
    },
    "title.not_found": {EN: "We couldn't find this transaction", ZH: "我们没有找到这笔交易"},
    "title.wrong_network": {
        EN: "This transaction was sent on {found}, not on {requested}",
        ZH: "这笔交易是在 {found} 上发出的，而不是 {requested}",
    },
    "title.pending": {
        EN: "Your transaction is waiting to be confirmed",
        ZH: "您的交易正在等待打包",
    },
    "title.dropped": {EN: "This transaction will not go through", ZH: "这笔交易不会上链"},
    "title.dropped.speed_up": {
        EN: "Your wallet replaced this transaction with a faster copy",
        ZH: "您的钱包已用一笔更快的交易替换了这笔交易",
    },
    "title.dropped.cancel": {EN: "This transaction was cancelled", ZH: "这笔交易已被取消"},
    "title.failed": {EN: "The transaction failed", ZH: "这笔交易执行失败了"},
    "title.confirming": {
        EN: "Your transaction went through and is being confirmed",
        ZH: "您的交易已成功上链，正在等待确认",
    },
    "title.confirmed": {EN: "Your transaction is complete", ZH: "您的交易已完成"},
    "title.deposit_review": {
        EN: "Your transaction went through, but a colleague needs to check this deposit",
        ZH: "您的交易已成功上链，但这笔充值需要同事核查",
    },
    "title.deposit_elsewhere": {
        EN: "Your transaction went through, but not to our deposit address",
        ZH: "您的交易已成功上链，但没有转入我们的充值地址",
    },
    "title.unavailable": {
        EN: "We can't check the network right now",
        ZH: "我们暂时无法查询该网络",
    },
    # --- status paragraphs ---
    "invalid_hash": {
        EN: "A transaction ID (also called TxID or hash) is a long code of 64 letters and "
        "digits, sometimes starting with 0x. What we received does not match that.",
        ZH: "交易哈希（TxID）是一串由 64 个字母和数字组成的代码，有时以 0x 开头。"
        "您提供的内容不符合这个格式。",
    },
    "not_found": {
        EN: "We looked for it on {chains}, and it isn't on any of them. Usually this means the "
        "transaction was never actually broadcast (the wallet or platform did not send it), it "
        "was dropped while waiting, or it was replaced by another transaction.",
        ZH: "我们在 {chains} 上查询了这笔交易，都没有找到。通常有三种可能：交易并没有真正广播出去"
        "（钱包或平台实际上没有发送）；交易在等待期间被网络丢弃；或者它已被另一笔交易替换。",
    },
    "wrong_network": {
        EN: "You told us the transfer was on {requested}, but it exists on {found}. These are "
        "separate networks: what is sent on {found} only arrives on {found}.",
        ZH: "您告诉我们转账是在 {requested} 上进行的，但这笔交易实际上在 {found} 上。"
        "这是两个相互独立的网络：在 {found} 上发送的资金只会到达 {found} 上的地址。",
    },
    "wrong_network.ours_supported": {
        EN: "It did reach our deposit address on {found}, and we accept deposits there.",
        ZH: "它确实到达了我们在 {found} 上的充值地址，并且我们支持该网络的充值。",
    },
    "wrong_network.ours_unsupported": {
        EN: "It reached an address of ours, but we don't support deposits on {found}. Whether the "
        "funds can be recovered has to be checked by hand; it can take time and is not always "
        "possible.",
        ZH: "它到达了我们的地址，但我们不支持 {found} 网络的充值。资金能否找回需要人工核查，"
        "可能需要一些时间，也不一定能成功。",
    },
    "wrong_network.not_ours": {
        EN: "It was not sent to one of our deposit addresses on {found}, so we cannot credit or "
        "recover it. If you sent it to another platform, please contact them.",
        ZH: "它没有发送到我们在 {found} 上的充值地址，因此我们无法入账，也无法找回。"
        "如果您是转到了其他平台，请联系该平台。",
    },
    "pending": {
        EN: "It has been sent to the {chain} network and is waiting to be included in a block.",
        ZH: "它已发送到 {chain} 网络，正在等待被打包进区块。",
    },
    "pending.too_low": {
        EN: "Its fee is too low to go through right now: it offers at most {offered} Gwei per "
        "unit of gas, but the network currently charges {needed} Gwei. It will wait until "
        "network fees drop, which may take a long time or never happen.",
        ZH: "它的手续费太低，目前无法被打包：它最多只愿支付每单位 Gas {offered} Gwei，"
        "而网络当前收取 {needed} Gwei。它会一直等到网络费用下降，"
        "这可能需要很长时间，也可能一直等不到。",
    },
    "pending.low": {
        EN: "Its fee is lower than most transactions are paying right now, so it may take longer "
        "than usual.",
        ZH: "它的手续费低于目前大多数交易，因此可能比平时更慢。",
    },
    "pending.btc_rate": {
        EN: "It pays {rate} sat/vB (Bitcoin fees are counted in satoshis per byte of "
        "transaction). Right now about {next} sat/vB gets into the next block (about 10 "
        "minutes) and about {hour} sat/vB within an hour.",
        ZH: "它支付的费率是 {rate} sat/vB（比特币手续费按交易每字节支付多少聪计算）。"
        "目前大约 {next} sat/vB 可以进入下一个区块（约 10 分钟），"
        "大约 {hour} sat/vB 可以在一小时内确认。",
    },
    "pending.too_low.bitcoin": {
        EN: "Its fee is below what even the slowest transactions pay right now, so it may wait "
        "a very long time, or never be confirmed.",
        ZH: "它的手续费甚至低于目前最慢的交易，因此可能要等待很长时间，也可能一直无法确认。",
    },
    "pending.nonce_gap.one": {
        EN: "It can't go through yet: an earlier transaction from the same wallet has not been "
        "confirmed, and a wallet's transactions are always processed in order.",
        ZH: "它暂时无法执行：同一钱包更早的一笔交易还没有确认，而同一钱包的交易必须按顺序处理。",
    },
    "pending.nonce_gap": {
        EN: "It can't go through yet: {count} earlier transactions from the same wallet have "
        "not been confirmed, and a wallet's transactions are always processed in order.",
        ZH: "它暂时无法执行：同一钱包更早的 {count} 笔交易还没有确认，"
        "而同一钱包的交易必须按顺序处理。",
    },
    "pending.fine": {
        EN: "The fee looks fine, so it should be confirmed soon.",
        ZH: "手续费看起来没有问题，应该很快就会被确认。",
    },
    "dropped.replaced": {
        EN: "Another transaction from the same wallet with the same number (nonce {nonce}) has "
        "already been confirmed, so this one was replaced and will never go through. Look in "
        "your wallet history for the transaction that replaced it: that one shows whether your "
        "payment was made.",
        ZH: "同一钱包中序号相同（nonce {nonce}）的另一笔交易已经确认，因此这笔交易已被替换，"
        "永远不会执行。请在钱包记录中查找替换它的那笔交易，那笔交易才能说明付款是否完成。",
    },
    "dropped.speed_up": {
        EN: "Your wallet sent the same payment again with a higher fee (a “speed up”), as "
        "transaction {replacement}. The new one took this one's place (nonce {nonce}), so this "
        "ID will never be confirmed: the new transaction is the one that counts.",
        ZH: "您的钱包以更高的手续费重新发送了同一笔付款（即“加速”），新的交易哈希是 "
        "{replacement}。新交易取代了这笔交易（nonce {nonce}），因此这个交易哈希永远不会被确认，"
        "请以新交易为准。",
    },
    "dropped.cancel": {
        EN: "It was cancelled: your wallet sent 0 {symbol} to itself with the same number "
        "(nonce {nonce}) in transaction {replacement}. This transaction will never go through, so "
        "the amount in it did not leave your wallet; only the fee for the cancellation was paid.",
        ZH: "这笔交易已被取消：您的钱包用相同的序号（nonce {nonce}）向自己发送了 0 {symbol}，"
        "交易哈希是 {replacement}。原交易永远不会执行，其中的金额没有离开您的钱包，"
        "只支付了取消操作的手续费。",
    },
    "dropped.other": {
        EN: "Another transaction from the same wallet with the same number (nonce {nonce}) was "
        "included instead: {replacement}. This one will never go through; look at the other "
        "transaction to see what it sent.",
        ZH: "同一钱包中序号相同（nonce {nonce}）的另一笔交易 {replacement} 已被打包，"
        "这笔交易永远不会执行。请查看那笔交易，了解它实际转出了什么。",
    },
    "dropped.evicted": {
        EN: "It was dropped before being included in a block, so it has not sent anything: we "
        "saw it waiting earlier, but the network no longer has it, and its number in your "
        "wallet (nonce {nonce}) is still unused. This usually happens when the fee stays too "
        "low for too long.",
        ZH: "它在被打包之前就被网络丢弃了，因此没有转出任何资产：我们之前看到它在等待打包，"
        "但现在网络中已经没有这笔交易，而它在钱包中的序号（nonce {nonce}）仍未被使用。"
        "这通常是因为手续费长时间过低。",
    },
    "replacement.confirmed": {
        EN: "The new transaction went through and has {confirmations} confirmations.",
        ZH: "新交易已成功上链，已有 {confirmations} 个确认。",
    },
    "replacement.confirming": {
        EN: "The new transaction went through and has {confirmations} of the {required} "
        "confirmations needed.",
        ZH: "新交易已成功上链，目前有 {confirmations} 个确认，共需要 {required} 个。",
    },
    "replacement.failed": {
        EN: "The new transaction was included in a block but failed, so it did not transfer "
        "anything either.",
        ZH: "新交易已被打包，但执行失败，因此它也没有转出任何资产。",
    },
    "dropped.expired": {
        EN: "It expired before it was included in a block, so the network dropped it. The funds "
        "never left your wallet.",
        ZH: "它在被打包之前就已过期，网络已将其丢弃。资金从未离开您的钱包。",
    },
    "failed": {
        EN: "It was included in block {block} but failed, so nothing was transferred. Only the "
        "network fee ({fee} {symbol}) was spent.",
        ZH: "它已被打包进区块 {block}，但执行失败，因此没有任何资产被转出，"
        "只扣除了网络手续费（{fee} {symbol}）。",
    },
    "revert.error_string": {
        EN: "The contract refused it with this message: “{message}”.",
        ZH: "合约拒绝了这笔交易，返回的信息是：“{message}”。",
    },
    "revert.custom": {
        EN: "The contract refused it with the error {name}{args}.",
        ZH: "合约拒绝了这笔交易，返回的错误是 {name}{args}。",
    },
    "revert.panic": {
        EN: "The contract stopped because of an internal error: {meaning}.",
        ZH: "合约因内部错误而停止：{meaning}。",
    },
    "revert.no_data": {
        EN: "The contract refused it without giving a reason.",
        ZH: "合约拒绝了这笔交易，但没有给出原因。",
    },
    "revert.unknown_selector": {
        EN: "The contract refused it with an error we can't name (code {selector}).",
        ZH: "合约拒绝了这笔交易，返回了一个我们无法识别的错误（代码 {selector}）。",
    },
    "revert.unavailable": {
        EN: "We couldn't work out the exact reason.",
        ZH: "我们无法确定具体原因。",
    },
    "revert.out_of_gas": {
        EN: "It ran out of gas: all {limit} units of gas it was allowed were used up before it "
        "finished. Gas is the fuel a transaction burns; this one needed more than its limit.",
        ZH: "Gas 耗尽了：交易在完成之前就用光了允许的全部 {limit} 单位 Gas。"
        "Gas 可以理解为交易消耗的“燃料”，这次需要的比设定的上限更多。",
    },
    "revert.out_of_energy": {
        EN: "It ran out of energy (the fuel TRON contracts burn) because its fee limit was too "
        "low.",
        ZH: "它耗尽了能量（波场合约执行所需的“燃料”），因为设置的手续费上限太低。",
    },
    "confirming": {
        EN: "It succeeded and has {confirmations} of the {required} confirmations we need (each "
        "new block adds one); the rest should take {eta}.",
        ZH: "交易已成功，目前有 {confirmations} 个确认，我们需要 {required} 个"
        "（每产生一个新区块增加一个确认），预计还需要{eta}。",
    },
    "confirmed": {
        EN: "It succeeded and has {confirmations} confirmations, enough for us to treat it as "
        "final.",
        ZH: "交易已成功，已有 {confirmations} 个确认，达到了我们要求的确认数。",
    },
    "transfer": {
        EN: "It moves {amount} {symbol} from {source} to {target}.",
        ZH: "它从 {source} 转出 {amount} {symbol} 到 {target}。",
    },
    "unavailable": {
        EN: "We couldn't reach {chain} just now, so we can't tell you the status of your "
        "transaction yet. The problem is in our connection to the network; it does not affect "
        "your transaction.",
        ZH: "我们刚才无法连接 {chain}，所以暂时无法告诉您这笔交易的状态。"
        "这是我们连接网络时出现的问题，不会影响您的交易。",
    },
    # --- deposit problems ---
    "deposit.wrong_address": {
        EN: "It was not sent to our deposit address ({ours}); it went to {target}. We can only "
        "credit funds that arrive at our address, and blockchain transfers cannot be reversed. If "
        "that address belongs to another platform, only they can help.",
        ZH: "这笔交易没有发送到我们的充值地址（{ours}），而是发到了 {target}。"
        "我们只能为到达我们地址的资金入账，且区块链上的转账无法撤回。"
        "如果该地址属于其他平台，只有该平台能够协助处理。",
    },
    "deposit.nothing_received": {
        EN: "It doesn't transfer anything to our deposit address, so there is nothing to credit "
        "from it. Please check that this is the transaction you meant.",
        ZH: "它没有向我们的充值地址转入任何资产，因此没有可以入账的资金。"
        "请确认这是您要查询的那笔交易。",
    },
    "deposit.unsupported_token": {
        EN: "It sent {asset}, which we don't accept as a deposit on {chain}.",
        ZH: "它转入的是 {asset}，我们不支持在 {chain} 上充值该资产。",
    },
    "deposit.unsupported_network": {
        EN: "We don't accept deposits on {chain}.",
        ZH: "我们不支持 {chain} 网络的充值。",
    },
    "deposit.asset_mismatch": {
        EN: "You mentioned {expected}, but it transferred {asset}.",
        ZH: "您提到的是 {expected}，但这笔交易转的是 {asset}。",
    },
    "deposit.amount_mismatch": {
        EN: "We see {received} {asset} arriving, not the {expected} {asset} you mentioned.",
        ZH: "我们看到到账的是 {received} {asset}，而不是您提到的 {expected} {asset}。",
    },
    "deposit.memo_missing": {
        EN: "Deposits on {chain} need a memo (tag) that tells us which account they belong to, "
        "and none was given.",
        ZH: "{chain} 上的充值需要填写备注（Memo/Tag），我们才能识别属于哪个账户，"
        "但这笔交易没有填写。",
    },
    "deposit.ok": {
        EN: "It was sent to our deposit address, on a network and in an asset we accept.",
        ZH: "它已发送到我们的充值地址，网络和币种都是我们支持的。",
    },
    # --- next steps ---
    "step.check_hash": {
        EN: "Copy the transaction ID again from your wallet or the sending platform's withdrawal "
        "history and check that it is complete.",
        ZH: "请从钱包或转出平台的提现记录中重新复制交易哈希（TxID），确认完整无误。",
    },
    "step.check_network": {
        EN: "Check which network you picked when sending (for example Ethereum, BNB Smart Chain "
        "or TRON) and tell us.",
        ZH: "请确认您转账时选择的网络（例如以太坊、BNB 智能链或波场），并告诉我们。",
    },
    "step.rebroadcast": {
        EN: "If your wallet shows it as failed or cancelled, or doesn't show it at all, and your "
        "balance has not gone down, the funds have not left your wallet and you can send again.",
        ZH: "如果钱包显示交易失败、已取消，或者根本没有这笔记录，并且余额没有减少，"
        "说明资金并未转出，您可以重新转账。",
    },
    "step.follow_replacement": {
        EN: "From now on, use the new transaction {replacement}: that is the one that counts, "
        "also when you contact us about this payment.",
        ZH: "之后请以新交易 {replacement} 为准，包括就这笔付款联系我们时。",
    },
    "step.send_again": {
        EN: "Look in your wallet: if it still shows the transaction as pending, cancel it or "
        "speed it up there (the wallet can still re-send the old one). Otherwise you can send "
        "the payment again from the same wallet with a normal fee: the new transaction takes "
        "the old one's place, so only one of them can go through.",
        ZH: "请查看您的钱包：如果仍显示这笔交易在等待中，请在钱包中取消或加速它（钱包仍可能重新"
        "广播旧交易）；否则，您可以从同一个钱包按正常手续费重新转账：新交易会占用旧交易的位置，"
        "两者只会有一笔成功。",
    },
    "watch.followed_replacement": {
        EN: "Your wallet replaced transaction {original} with a faster copy, {replacement}, so "
        "we followed the new one. Here is where it stands:",
        ZH: "您的钱包已用一笔更快的交易 {replacement} 替换了交易 {original}，"
        "因此我们改为跟踪新交易。目前的情况如下：",
    },
    "step.replacement_explorer": {
        EN: "See the new transaction in the block explorer: {url}",
        ZH: "在区块浏览器中查看新交易：{url}",
    },
    "step.wait": {
        EN: "There is nothing you need to do; please wait a little.",
        ZH: "您无需任何操作，请稍等片刻。",
    },
    "step.wait_for_confirmations": {
        EN: "You don't need to do anything: once it has {required} confirmations, a deposit to "
        "us is credited automatically.",
        ZH: "您无需任何操作：达到 {required} 个确认后，充值会自动入账。",
    },
    "step.credited": {
        EN: "It should appear in your balance shortly. If it isn't there in a few minutes, tell "
        "us and a colleague will check.",
        ZH: "资金应该很快会显示在您的余额中。如果几分钟后仍未到账，请告诉我们，同事会为您核查。",
    },
    "step.speed_up": {
        EN: "Speed it up with your wallet's “Speed up” button. If there is none, send a "
        "replacement with the same nonce ({nonce}), which is this transaction's sequence number, "
        "and a max fee of at least {suggested} Gwei.",
        ZH: "在钱包中使用“加速”功能。如果钱包没有这个功能，可以用相同的 nonce（{nonce}，"
        "即这笔交易的序号）重新发送一笔交易，并把最高手续费（Max fee）设为至少 {suggested} Gwei。",
    },
    "step.cancel_same_nonce": {
        EN: "To cancel it instead, use your wallet's “Cancel” button, or send 0 {symbol} to your "
        "own address with the same nonce ({nonce}) and a higher fee. Only one of the two can "
        "ever go through, and a cancellation also costs a network fee.",
        ZH: "如果想取消，可以使用钱包的“取消”按钮，或者用相同的 nonce（{nonce}）向自己的地址"
        "发送 0 {symbol}，并设置更高的手续费。两笔交易最终只会有一笔成功，"
        "取消同样需要支付网络手续费。",
    },
    "step.fill_nonce_gap": {
        EN: "First speed up or cancel the earlier transaction in your wallet: the network is "
        "waiting for the one with nonce {next_nonce} (its sequence number). This one will "
        "follow on its own.",
        ZH: "请先在钱包中加速或取消更早的那笔交易：网络正在等待 nonce（交易序号）为 {next_nonce} "
        "的交易。之后这笔交易会自动继续。",
    },
    "step.rbf": {
        EN: "You can speed it up: it was sent as replaceable, so your wallet's “Bump fee” or "
        "“Speed up” option (replace-by-fee, RBF) can resend it at {target} sat/vB or more.",
        ZH: "您可以加速这笔交易：它被标记为可替换（RBF），可以在钱包中使用“提高手续费”或“加速”"
        "功能，以不低于 {target} sat/vB 的费率重新发送。",
    },
    "step.cpfp": {
        EN: "It can be sped up with child-pays-for-parent (CPFP): if it sent change back to your "
        "wallet, spend that change with a high fee; miners then confirm both transactions "
        "together.",
        ZH: "可以用“子支付父”（CPFP）加速：如果这笔交易有找零回到您的钱包，用较高的手续费"
        "把这笔找零转出，矿工就会把两笔交易一起打包确认。",
    },
    "step.retry_with_more_gas": {
        EN: "Send it again with a higher gas limit; most wallets set a suitable one automatically "
        "if you don't change it by hand. Apart from the fee, your funds are still in your wallet.",
        ZH: "请提高 Gas 上限后重新发送；如果不手动修改，大多数钱包会自动设置合适的值。"
        "除手续费外，您的资金仍在钱包中。",
    },
    "step.retry_with_more_energy": {
        EN: "Send it again with a higher fee limit, or after getting more energy for your "
        "account; most wallets set a suitable limit automatically. Apart from the fee, your "
        "funds are still in your wallet.",
        ZH: "请提高手续费上限，或为账户获取更多能量后重新发送；大多数钱包会自动设置合适的上限。"
        "除手续费外，您的资金仍在钱包中。",
    },
    "step.fix_cause_and_retry": {
        EN: "If the reason above is something you can change (for example the amount, or a "
        "balance that is too low), correct it and send again; if not, tell us and a colleague "
        "will look at it. Apart from the fee, your funds are still in your wallet.",
        ZH: "如果上述原因是您可以调整的（例如金额，或余额不足），请修正后重新发送；如果不是，"
        "请告诉我们，同事会为您核查。除手续费外，您的资金仍在钱包中。",
    },
    "step.wrong_network_recovery": {
        EN: "Please don't send more on {found} to fix this: it would end up in the same place. "
        "Next time, choose {requested} as the network when you withdraw.",
        ZH: "请不要为了补救而再通过 {found} 转账，资金会到达同样的地方。"
        "下次提现时请选择 {requested} 网络。",
    },
    "step.try_later": {
        EN: "Please try again in a few minutes. You can also look up the transaction ID yourself "
        "on a block explorer (a public website that shows every transaction on a network).",
        ZH: "请过几分钟再试。您也可以自己在区块浏览器（可查询网络上所有交易的公开网站）上"
        "输入交易哈希（TxID）查看。",
    },
    "step.agent_review": {
        EN: "We've passed this to a colleague with all the details; they will reply here. You "
        "don't need to send anything again.",
        ZH: "我们已将所有细节转交给同事处理，他们会在这里回复您。您无需重复转账。",
    },
    "step.explorer": {
        EN: "You can follow it on a block explorer: {url}",
        ZH: "您可以在区块浏览器上查看：{url}",
    },
    # --- small words ---
    "and": {EN: " and ", ZH: " 和 "},
    "list_sep": {EN: ", ", ZH: "、"},
    "duration.now": {EN: "less than a minute", ZH: "不到 1 分钟"},
    "duration.minutes": {EN: "about {n} minutes", ZH: "约 {n} 分钟"},
    "duration.hours": {EN: "about {n} hours", ZH: "约 {n} 小时"},
    "no_networks": {EN: "the networks we support", ZH: "我们支持的网络"},
}

PANIC_MEANINGS: dict[str, dict[str, str]] = {
    "generic": {EN: "no further detail was given", ZH: "没有提供更多细节"},
    "assert": {EN: "an internal safety check failed", ZH: "内部安全检查（assert）未通过"},
    "overflow": {
        EN: "a number became too large or went below zero",
        ZH: "计算结果超出了范围（溢出或小于零）",
    },
    "division_by_zero": {EN: "it tried to divide by zero", ZH: "出现了除以零的运算"},
    "invalid_enum": {
        EN: "a value was outside the allowed options",
        ZH: "某个数值不在允许的选项范围内",
    },
    "storage_encoding": {EN: "its stored data could not be read", ZH: "无法读取其存储的数据"},
    "pop_empty": {
        EN: "it tried to remove an item from an empty list",
        ZH: "试图从空列表中移除元素",
    },
    "out_of_bounds": {
        EN: "it read past the end of a list",
        ZH: "访问超出了列表的范围",
    },
    "out_of_memory": {EN: "it needed too much memory", ZH: "需要的内存过多"},
    "zero_function": {
        EN: "it called a function that was never set",
        ZH: "调用了一个未设置的函数",
    },
    "unknown": {EN: "the contract did not say which", ZH: "合约没有说明具体是哪种"},
}

ZH_CHAIN_NAMES = {
    "ethereum": "以太坊（Ethereum）",
    "bsc": "BNB 智能链（BSC）",
    "polygon": "Polygon",
    "arbitrum": "Arbitrum",
    "optimism": "Optimism",
    "base": "Base",
    "bitcoin": "比特币（Bitcoin）",
    "tron": "波场（TRON）",
    "ton": "TON",
    "xrp": "瑞波（XRP）",
}
