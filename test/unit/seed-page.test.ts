import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { parseSeedPage, seedPaperToInput, type SeedPaper } from '../../src/papers/sources/seed-page.js';

const pageText = readFileSync(new URL('../../seeds/trending-papers-page.txt', import.meta.url), 'utf8');
const papers = parseSeedPage(pageText);

const HEADER = ['new', 'Get trending papers in your email inbox!', 'Subscribe', 'byAK and the research community', 'Mar 17'];
// The page's own paragraphs, split without the parser, to build variants from.
const pageParagraphs = pageText.split(/\n[ \t]*\n/).map((p) => p.trim());

function page(paragraphs: string[]): string {
  return paragraphs.join('\n\n');
}

function byTitle(title: string): SeedPaper {
  const paper = papers.find((p) => p.title === title);
  if (paper === undefined) throw new Error(`no paper titled ${title}`);
  return paper;
}

function onePaperPage(title: string, abstract: string): string {
  return page([...HEADER, title, abstract]);
}

describe('parseSeedPage on the saved page', () => {
  it('finds one paper per title/abstract pair after the header', () => {
    expect(pageParagraphs.slice(0, HEADER.length)).toEqual(HEADER);
    const pairs = (pageParagraphs.length - HEADER.length) / 2;
    expect(pairs).toBe(84);
    expect(papers).toHaveLength(pairs);
    expect(papers.map((p) => p.title)).toEqual(pageParagraphs.slice(HEADER.length).filter((_, i) => i % 2 === 0));
  });

  it('keeps the first paper exactly as on the page', () => {
    const first = papers[0];
    expect(first?.title).toBe('DragNUWA: Fine-grained Control in Video Generation by Integrating Text, Image, and Trajectory');
    expect(first?.abstract).toBe(
      'Controllable video generation has gained significant attention in recent years. However, two main limitations persist: Firstly, most existing works focus on either text, image, or trajectory-based control, leading to an inability to achieve fine-grained control in videos. Secondly, trajectory control research is still in its early stages, with most experiments being conducted on simple datasets like Human3.6M. This constraint limits the models\' capability to process open-domain images and effectively handle complex curved trajectories. In this paper, we propose DragNUWA, an open-domain diffusion-based video generation model. To tackle the issue of insufficient control granularity in existing works, we simultaneously introduce text, image, and trajectory information to provide fine-grained control over video content from semantic, spatial, and temporal perspectives. To resolve the problem of limited open-domain trajectory control in current research, We propose trajectory modeling with three aspects: a Trajectory Sampler (TS) to enable open-domain control of arbitrary trajectories, a Multiscale Fusion (MF) to control trajectories in different granularities, and an Adaptive Training (AT) strategy to generate consistent videos following trajectories. Our experiments validate the effectiveness of DragNUWA, demonstrating its superior performance in fine-grained control in video generation. The homepage link is https://www.microsoft.com/en-us/research/project/dragnuwa/',
    );
  });

  it('keeps the last paper exactly as on the page', () => {
    const last = papers.at(-1);
    expect(last?.title).toBe('Foundation Models for Natural Language Processing -- Pre-trained Language Models Integrating Media');
    expect(last?.abstract).toBe(
      'This open access book provides a comprehensive overview of the state of the art in research and applications of Foundation Models and is intended for readers familiar with basic Natural Language Processing (NLP) concepts. Over the recent years, a revolutionary new paradigm has been developed for training models for NLP. These models are first pre-trained on large collections of text documents to acquire general syntactic knowledge and semantic information. Then, they are fine-tuned for specific tasks, which they can often solve with superhuman accuracy. When the models are large enough, they can be instructed by prompts to solve new tasks without any fine-tuning. Moreover, they can be applied to a wide range of different media and problem domains, ranging from image and video processing to robot control learning. Because they provide a blueprint for solving many tasks in artificial intelligence, they have been called Foundation Models. After a brief introduction to basic NLP models the main pre-trained language models BERT, GPT and sequence-to-sequence transformer are described, as well as the concepts of self-attention and context-sensitive embedding. Then, different approaches to improving these models are discussed, such as expanding the pre-training criteria, increasing the length of input texts, or including extra knowledge. An overview of the best-performing models for about twenty application areas is then presented, e.g., question answering, translation, story generation, dialog systems, generating images from text, etc. For each application area, the strengths and weaknesses of current models are discussed, and an outlook on further developments is given. In addition, links are provided to freely available program code. A concluding chapter summarizes the economic opportunities, mitigation of risks, and potential developments of AI.',
    );
  });

  it('keeps quotes in a middle paper verbatim, including the URL with its trailing period', () => {
    const paper = papers[42];
    expect(paper?.title).toBe('Parameter-free Online Test-time Adaptation');
    expect(paper?.abstract).toBe(
      'Training state-of-the-art vision models has become prohibitively expensive for researchers and practitioners. For the sake of accessibility and resource reuse, it is important to focus on adapting these models to a variety of downstream scenarios. An interesting and practical paradigm is online test-time adaptation, according to which training data is inaccessible, no labelled data from the test distribution is available, and adaptation can only happen at test time and on a handful of samples. In this paper, we investigate how test-time adaptation methods fare for a number of pre-trained models on a variety of real-world scenarios, significantly extending the way they have been originally evaluated. We show that they perform well only in narrowly-defined experimental setups and sometimes fail catastrophically when their hyperparameters are not selected for the same scenario in which they are being tested. Motivated by the inherent uncertainty around the conditions that will ultimately be encountered at test time, we propose a particularly "conservative" approach, which addresses the problem with a Laplacian Adjusted Maximum-likelihood Estimation (LAME) objective. By adapting the model\'s output (not its parameters), and solving our objective with an efficient concave-convex procedure, our approach exhibits a much higher average accuracy across scenarios than existing methods, while being notably faster and have a much lower memory footprint. The code is available at https://github.com/fiveai/LAME.',
    );
    expect(paper?.codeUrl).toBe('https://github.com/fiveai/LAME');
  });

  it('keeps LaTeX leftovers (backticks, backslashes) verbatim', () => {
    const paper = byTitle('Bone: Block Affine Transformation as Parameter Efficient Fine-tuning Methods for Large Language Models');
    expect(paper.abstract).toBe(
      'Low-Rank Adaptation (LoRA) has achieved remarkable training results by freezing the original weights and training only low-rank matrices, establishing itself as the predominant fine-tuning method for LLMs. In pursuit of performance closer to full-parameter training, a series of LoRA variants have emerged, such as LoRA+, PISSA, Olora, and LoRA-GA. However, these improvements complicate the initial setup of model training and increase initialization time. More importantly, they overlook the internal interactions of the original weight information. To address these issues, we introduce a novel theory, ``Weight Guide\'\' aimed at continuously guiding trainable matrices through the original weights during training to enhance the utilization of weight information. Based on this theory, we designed a new PEFT technique called Bone (Block Affine), which not only enhances the utilization of original weight information but also emphasizes the internal connections between weights, leading to faster convergence and better data fitting. Experimental comparisons across two different LLM architectures (LLaMA2, RWKV6) and various parameter scales demonstrate that the Bone structure can achieve rapid convergence and superior data fitting without the need for complex initialization. For example, when fine-tuning LLaMA2-7B on the MetaMathQA dataset and validating on GSM8k and math benchmarks, Bone achieved fine-tuning scores of 49.36 and 8.8, respectively, outperforming PISSA by 5.84\\% and 1.96\\%.',
    );
  });

  it('parses CRLF and trailing-whitespace input the same as LF', () => {
    const crlf = pageText.replace(/\n/g, '  \r\n') + '\r\n';
    expect(parseSeedPage(crlf)).toEqual(papers);
  });
});

describe('links', () => {
  it('takes a code host URL as the code link', () => {
    const atss = byTitle('Bridging the Gap Between Anchor-based and Anchor-free Detection via Adaptive Training Sample Selection');
    expect(atss.codeUrl).toBe('https://github.com/sfzhang15/ATSS');
    expect(atss.projectUrl).toBeNull();
  });

  it('takes any other URL as the project page', () => {
    const dragNuwa = papers[0];
    expect(dragNuwa?.projectUrl).toBe('https://www.microsoft.com/en-us/research/project/dragnuwa/');
    expect(dragNuwa?.codeUrl).toBeNull();
    // github.io hosts project pages, not code.
    const realCustom = byTitle('RealCustom: Narrowing Real Text Word for Real-Time Open-Domain Text-to-Image Customization');
    expect(realCustom.projectUrl).toBe('https://corleone-huang.github.io/realcustom/');
    expect(realCustom.codeUrl).toBeNull();
  });

  it('strips the sentence period after a URL but leaves the abstract alone', () => {
    const adaLog = byTitle('AdaLog: Post-Training Quantization for Vision Transformers with Adaptive Logarithm Quantizer');
    expect(adaLog.codeUrl).toBe('https://github.com/GoatWu/AdaLog');
    expect(adaLog.abstract.endsWith('Code is available at https://github.com/GoatWu/AdaLog.')).toBe(true);
  });

  it('leaves both links null when the abstract has no URL', () => {
    const paper = byTitle('Adaptive Guidance: Training-free Acceleration of Conditional Diffusion Models');
    expect(paper.abstract).not.toMatch(/https?:/);
    expect(paper.codeUrl).toBeNull();
    expect(paper.projectUrl).toBeNull();
  });

  it('finds a link in every abstract that mentions one, and none elsewhere', () => {
    const withUrl = papers.filter((p) => /https?:\/\//.test(p.abstract));
    const linked = papers.filter((p) => p.codeUrl !== null || p.projectUrl !== null);
    expect(linked).toEqual(withUrl);
    expect(papers.filter((p) => p.codeUrl !== null)).toHaveLength(21);
    expect(papers.filter((p) => p.projectUrl !== null)).toHaveLength(6);
  });

  it('handles punctuation, brackets, bare code hosts and several URLs', () => {
    const [paper] = parseSeedPage(
      onePaperPage(
        'Links',
        'See the demo (https://example.org/demo), the wiki https://en.wikipedia.org/wiki/Foo_(bar); ' +
          'code at gitlab.com/acme/tool. Also https://huggingface.co/acme/model, and nothing at huggingface.co alone.',
      ),
    );
    expect(paper?.projectUrl).toBe('https://example.org/demo');
    expect(paper?.codeUrl).toBe('https://gitlab.com/acme/tool');
  });
});

describe('ids', () => {
  it('are unique and well formed', () => {
    const ids = papers.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^seed-[0-9a-f]{12}$/);
  });

  it('are stable across parses and ignore case and spacing in the title', () => {
    expect(parseSeedPage(pageText).map((p) => p.id)).toEqual(papers.map((p) => p.id));
    const original = papers[0];
    const renamed = parseSeedPage(
      onePaperPage('DRAGNUWA:  Fine-grained control in video generation by\tIntegrating Text, Image, and Trajectory', 'x'.repeat(200)),
    );
    expect(renamed[0]?.id).toBe(original?.id);
    expect(renamed[0]?.id).not.toBe(papers[1]?.id);
  });

  it('reject two papers whose titles give the same id', () => {
    const text = page([...HEADER, 'Same Title', 'a'.repeat(50), 'same  title', 'b'.repeat(50)]);
    expect(() => parseSeedPage(text)).toThrow(/id seed-[0-9a-f]{12} of "same {2}title" is already used by "Same Title"/);
  });
});

describe('seeds/papers.json', () => {
  it('is up to date with the page (regenerate with npx tsx seeds/generate.ts)', () => {
    const generated: unknown = JSON.parse(readFileSync(new URL('../../seeds/papers.json', import.meta.url), 'utf8'));
    expect(generated).toEqual(papers);
  });
});

describe('seedPaperToInput', () => {
  it('maps a seed paper to a PaperInput dated by the page, with unknown fields null', () => {
    const atss = byTitle('Bridging the Gap Between Anchor-based and Anchor-free Detection via Adaptive Training Sample Selection');
    expect(seedPaperToInput(atss)).toEqual({
      id: atss.id,
      source: 'seed',
      title: atss.title,
      abstract: atss.abstract,
      authors: [],
      keywords: [],
      categories: [],
      // Undated, it would rank as brand new; the page's own date is the honest age.
      publishedAt: '2025-03-17T00:00:00.000Z',
      upvotes: null,
      pageUrl: null,
      pdfUrl: null,
      codeUrl: 'https://github.com/sfzhang15/ATSS',
      projectUrl: null,
      thumbnailUrl: null,
      aiSummary: null,
      withdrawnAt: null,
    });
  });
});

describe('malformed pages', () => {
  const body = pageParagraphs.slice(HEADER.length);

  it('reject a stray paragraph in the middle, naming where the pairs went wrong', () => {
    // The stray pairs up with paper 11's title; the shift shows at the next pair.
    const text = page([...HEADER, ...body.slice(0, 20), 'Stray line', ...body.slice(20)]);
    expect(() => parseSeedPage(text)).toThrow(/paper 12: its abstract \(\d+ chars\) is not longer than its title .*missing or extra/);
  });

  it('reject a stray paragraph at the end as an odd number of paragraphs', () => {
    expect(() => parseSeedPage(page([...pageParagraphs, 'Stray line']))).toThrow(
      /169 paragraphs after the header is an odd number.*"Stray line"/,
    );
  });

  it('reject a missing abstract', () => {
    // Paper 5 takes paper 6's title as its abstract; the shift shows at the next pair.
    const text = page([...HEADER, ...body.slice(0, 9), ...body.slice(10)]);
    expect(() => parseSeedPage(text)).toThrow(/paper 6: its abstract .* is not longer than its title/);
  });

  it('reject a page without the expected header', () => {
    expect(() => parseSeedPage(page(body))).toThrow(/header: expected paragraph 1 to be "new"/);
    expect(() => parseSeedPage(page([...HEADER.slice(0, 4), ...body]))).toThrow(/expected a date like "Mar 17"/);
  });

  it('reject a page with no papers', () => {
    expect(() => parseSeedPage(page(HEADER))).toThrow(/no papers after the header/);
    expect(() => parseSeedPage('')).toThrow(/header/);
  });

  it('reject a title and abstract that lost the blank line between them', () => {
    const text = page([...HEADER, `${body[0]}\n${body[1]}`, ...body.slice(2)]);
    expect(() => parseSeedPage(text)).toThrow(/line 12: a paragraph continues onto a second line/);
  });
});
